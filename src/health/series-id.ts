/**
 * Names of the window series: `openai` for the provider, `openai|gpt-4o` for a provider + model.
 *
 * The provider part is URI-encoded so it can never contain the `|` separator; the model part is kept
 * readable for operators (and capped, since clients choose model names on passthrough routes).
 */
const MAX_MODEL_LENGTH = 200;

export interface SeriesName {
  provider: string;
  /** Undefined for the provider-level series. */
  model?: string;
}

export function providerSeriesId(provider: string): string {
  return encodeURIComponent(provider);
}

export function modelSeriesId(provider: string, model: string): string {
  return `${encodeURIComponent(provider)}|${model.slice(0, MAX_MODEL_LENGTH)}`;
}

export function parseSeriesId(id: string): SeriesName | undefined {
  const bar = id.indexOf('|');
  try {
    if (bar === -1) return { provider: decodeURIComponent(id) };
    return { provider: decodeURIComponent(id.slice(0, bar)), model: id.slice(bar + 1) };
  } catch {
    return undefined;
  }
}
