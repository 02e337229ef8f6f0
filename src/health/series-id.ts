/**
 * Names of the window series: `openai` for the provider, `openai|gpt-4o` for a provider + model.
 *
 * The provider part is URI-encoded so it can never contain the `|` separator; the model part is kept
 * readable for operators (and capped, since clients choose model names on passthrough routes). Every
 * place that builds or takes apart a series id — stores (the Redis scripts and the SQLite query too),
 * the monitor, tests — goes through this module.
 */
const MAX_MODEL_LENGTH = 200;

/** Between the provider and the model part. Stores that filter ids in their own language use it too. */
export const SERIES_SEPARATOR = '|';

export interface SeriesName {
  provider: string;
  /** Undefined for the provider-level series. */
  model?: string;
}

export function providerSeriesId(provider: string): string {
  return encodeURIComponent(provider);
}

export function modelSeriesId(provider: string, model: string): string {
  return `${encodeURIComponent(provider)}${SERIES_SEPARATOR}${model.slice(0, MAX_MODEL_LENGTH)}`;
}

/** Whether `id` is a provider + model series (they only feed reports, so they are read less often). */
export function isModelSeries(id: string): boolean {
  return id.includes(SERIES_SEPARATOR);
}

/** The prefix every model series of a provider starts with. */
export function modelSeriesPrefix(provider: string): string {
  return `${providerSeriesId(provider)}${SERIES_SEPARATOR}`;
}

/** Whether `id` is the provider's own series or one of its provider + model series. */
export function isSeriesOf(id: string, provider: string): boolean {
  return id === providerSeriesId(provider) || id.startsWith(modelSeriesPrefix(provider));
}

export function parseSeriesId(id: string): SeriesName | undefined {
  const bar = id.indexOf(SERIES_SEPARATOR);
  try {
    if (bar === -1) return { provider: decodeURIComponent(id) };
    return { provider: decodeURIComponent(id.slice(0, bar)), model: id.slice(bar + 1) };
  } catch {
    return undefined;
  }
}
