/** The name this provider goes by in configuration, failures and headers. */
export const PROVIDER_NAME = 'anthropic';
