export { createGeminiProvider, GEMINI_DEFAULT_MODEL } from './gemini-provider.ts';
