/** The model asked for when a route names none for Gemini (overridable per provider in the config file). */
export const GEMINI_DEFAULT_MODEL = 'gemini-2.5-flash';
