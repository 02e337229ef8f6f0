/** The model asked for when a route names none for Anthropic (overridable per provider in the config file). */
export const ANTHROPIC_DEFAULT_MODEL = 'claude-sonnet-4-6';
