/**
 * Which budget a request to a provider's model draws from. Budgets apply to each key of the provider's pool:
 * a provider-wide budget (`providers.<name>.limits`, or the env shortcuts) shared by the key's models, and
 * a budget of its own for each model with `providers.<name>.models.<model>.limits` (OpenAI counts its limits
 * per model). A model's settings inherit the fields they do not set from the provider's.
 */

export interface LimitSettings {
  /** Requests per minute, per key. */
  rpm?: number;
  /** Tokens per minute, per key: prompt tokens plus the output budget, charged when the request is sent. */
  tpm?: number;
  /** Requests in flight at once, per key (a hard bound). */
  maxConcurrency?: number;
}

export interface ProviderLimits {
  limits?: LimitSettings;
  models?: ReadonlyMap<string, LimitSettings>;
}

export interface BudgetChoice {
  /** `*` for the provider-wide budget, else the model's name. */
  bucket: string;
  /** Per-minute budgets of the bucket (a model's own, inheriting the provider's fields it does not set). */
  rpm?: number;
  tpm?: number;
  /** In flight per key, all models together (`providers.<name>.limits.maxConcurrency`). */
  keyConcurrency?: number;
  /** In flight per key for this model, when the model sets its own. */
  modelConcurrency?: number;
}

/** The provider-wide bucket's name (a model name is never `*`). */
export const SHARED_BUCKET = '*';

export function budgetFor(provider: ProviderLimits | undefined, model: string): BudgetChoice | undefined {
  const shared = provider?.limits;
  const own = provider?.models?.get(model);
  if (!own && !shared) return undefined;
  const choice: BudgetChoice = { bucket: own ? model : SHARED_BUCKET };
  const rpm = own?.rpm ?? shared?.rpm;
  const tpm = own?.tpm ?? shared?.tpm;
  if (rpm !== undefined) choice.rpm = rpm;
  if (tpm !== undefined) choice.tpm = tpm;
  if (shared?.maxConcurrency !== undefined) choice.keyConcurrency = shared.maxConcurrency;
  if (own?.maxConcurrency !== undefined) choice.modelConcurrency = own.maxConcurrency;
  return choice;
}
