/**
 * Prompt tokens of a chat request, counted before it is sent: for the context check (check-context.ts) and
 * for what a request is charged against a tokens-per-minute budget.
 *
 * ASYNC: `countPromptTokens` and `chargedTokens` return Promises. The o200k_base table they count with is
 * imported on first use (o200k-counter.ts: 2.4 MB of source, ~15 MB of heap and typed arrays), so a gateway
 * that never needs a count never loads it; once loaded, the Promise resolves after the (synchronous) count. `promptTokenBound`
 * is synchronous and needs no table.
 *
 * How each provider is counted:
 * - OpenAI (and OpenAI-compatible servers): exact o200k_base counts of every text (the tokenizer of GPT-4o,
 *   GPT-4.1, GPT-5 and the o-series; older GPT-4 / 3.5 models use cl100k, within ~10 % of it), plus the chat
 *   framing of OpenAI's cookbook: 3 tokens per message besides its role, 1 per `name`, 3 to prime the answer.
 * - Claude and Gemini: an ESTIMATE. Their tokenizers are not public; the o200k count is scaled by the ratio
 *   of their own counts to o200k's measured on the recorded answers in the shared replay fixtures (the
 *   fixtures carry the provider's output token count for texts we have; test/limits/calibration.test.ts
 *   recomputes it). The same framing is added.
 * - Images count as a fixed size each (their pixels are not decoded): OpenAI 765 (a 1024×1024 image at high
 *   detail; 85 at `detail: low`), Claude 1600 (its cap for a large image), Gemini 258. Audio and files are
 *   not counted.
 * Texts counted: roles, message contents (text and refusal parts), names, tool calls (name and arguments), legacy
 * function calls, tool definitions and a JSON schema response format (as their JSON).
 */
import { defaultMaxTokens } from '../../providers/anthropic/default-max-tokens.ts';
import type { ChatRequest } from '../../providers/types.ts';
import { type ModelLimitOverrides, modelLimits } from './model-limits.ts';
import { utf8Length } from './utf8-length.ts';

export type ProviderName = 'openai' | 'anthropic' | 'gemini' | (string & {});

/** Claude tokens per o200k token, from the fixtures (75 Claude tokens for 62 o200k tokens). */
export const CLAUDE_TOKENS_PER_O200K = 1.21;
/** Gemini tokens per o200k token, from the fixtures (93 for 86). */
export const GEMINI_TOKENS_PER_O200K = 1.08;

const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING = 3;
/** Never count past this: more than any model's window, and a bound on the work a huge body can cause. */
export const MAX_COUNTED_TOKENS = 4_194_304;

interface Framing {
  factor: number;
  image: number;
  lowDetailImage: number;
}

const FRAMING: Readonly<Record<string, Framing>> = {
  anthropic: { factor: CLAUDE_TOKENS_PER_O200K, image: 1600, lowDetailImage: 1600 },
  gemini: { factor: GEMINI_TOKENS_PER_O200K, image: 258, lowDetailImage: 258 },
};
const OPENAI_FRAMING: Framing = { factor: 1, image: 765, lowDetailImage: 85 };

/** Whether the provider's count is an estimate (Claude, Gemini) rather than exact (OpenAI). */
export function isEstimated(provider: ProviderName): boolean {
  return FRAMING[provider] !== undefined;
}

/** What a prompt is made of, for counting: its texts, and what is counted by number rather than by text. */
export interface PromptParts {
  texts: string[];
  messages: number;
  names: number;
  images: number;
  lowDetailImages: number;
}

/** The parts of a request that count towards its prompt. Pure; tolerant of shapes validation let through. */
export function promptParts(request: ChatRequest): PromptParts {
  const parts: PromptParts = { texts: [], messages: 0, names: 0, images: 0, lowDetailImages: 0 };
  for (const message of asArray(request.messages)) {
    const fields = asRecord(message);
    if (!fields) continue;
    parts.messages++;
    if (typeof fields.role === 'string') parts.texts.push(fields.role);
    if (typeof fields.name === 'string') {
      parts.names++;
      parts.texts.push(fields.name);
    }
    addContent(parts, fields.content);
    if (typeof fields.refusal === 'string') parts.texts.push(fields.refusal);
    for (const call of asArray(fields.tool_calls)) addFunction(parts, asRecord(call)?.function);
    addFunction(parts, fields.function_call);
  }
  for (const tool of asArray(request.tools)) parts.texts.push(JSON.stringify(asRecord(tool)?.function ?? tool));
  const format = asRecord(request.response_format);
  if (format?.type === 'json_schema' && format.json_schema !== undefined) {
    parts.texts.push(JSON.stringify(format.json_schema));
  }
  return parts;
}

function addContent(parts: PromptParts, content: unknown): void {
  if (typeof content === 'string') {
    parts.texts.push(content);
    return;
  }
  for (const part of asArray(content)) {
    const fields = asRecord(part);
    if (typeof fields?.text === 'string') parts.texts.push(fields.text);
    else if (typeof fields?.refusal === 'string') parts.texts.push(fields.refusal);
    else if (fields?.type === 'image_url') {
      if (asRecord(fields.image_url)?.detail === 'low') parts.lowDetailImages++;
      else parts.images++;
    }
  }
}

function addFunction(parts: PromptParts, call: unknown): void {
  const fields = asRecord(call);
  if (typeof fields?.name === 'string') parts.texts.push(fields.name);
  if (typeof fields?.arguments === 'string') parts.texts.push(fields.arguments);
}

function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Provider tokens from o200k text tokens: the calibrated factor, the framing and the images. */
function providerTokens(textTokens: number, parts: PromptParts, provider: ProviderName): number {
  const framing = FRAMING[provider] ?? OPENAI_FRAMING;
  const framed = parts.messages * TOKENS_PER_MESSAGE + parts.names * TOKENS_PER_NAME + REPLY_PRIMING;
  return (
    Math.ceil(textTokens * framing.factor) +
    framed +
    parts.images * framing.image +
    parts.lowDetailImages * framing.lowDetailImage
  );
}

/**
 * An upper bound of `countPromptTokens`, without the tokenizer: a byte-level BPE token is at least one byte,
 * so no text has more tokens than UTF-8 bytes. When even this bound fits a window, nothing needs counting.
 */
export function promptTokenBound(request: ChatRequest, provider: ProviderName): number {
  const parts = partsOf(request);
  let bytes = 0;
  for (const text of parts.texts) bytes += utf8Length(text);
  return providerTokens(bytes, parts, provider);
}

type Counter = (text: string, stopAbove?: number) => number;
let counter: Promise<Counter> | undefined;

/** The o200k counter, imported once (and again after a failed import, which is rare but not fatal). */
function loadCounter(): Promise<Counter> {
  counter ??= import('./o200k-counter.ts').then(
    (module) => module.countO200k,
    (error: unknown) => {
      counter = undefined;
      throw error;
    },
  );
  return counter;
}

interface Memo {
  parts: PromptParts;
  /** o200k tokens of all texts, once counted; `complete: false` means "more than `tokens`". */
  count?: { tokens: number; complete: boolean };
}

/** Per request object: the context check and the budgets ask about the same request; it is counted once. */
const memos = new WeakMap<ChatRequest, Memo>();

function memoOf(request: ChatRequest): Memo {
  let memo = memos.get(request);
  if (!memo) {
    memo = { parts: promptParts(request) };
    memos.set(request, memo);
  }
  return memo;
}

function partsOf(request: ChatRequest): PromptParts {
  return memoOf(request).parts;
}

/**
 * o200k tokens of the request's texts; counting stops once past `stopAbove` (then the result is only known
 * to exceed it, which is all a context check needs).
 */
async function textTokens(request: ChatRequest, stopAbove: number): Promise<number> {
  const memo = memoOf(request);
  if (memo.count && (memo.count.complete || memo.count.tokens > stopAbove)) return memo.count.tokens;
  const count = await loadCounter();
  let tokens = 0;
  for (const text of memo.parts.texts) {
    tokens += count(text, stopAbove - tokens);
    if (tokens > stopAbove) break;
  }
  memo.count = { tokens, complete: tokens <= stopAbove };
  return tokens;
}

/**
 * The prompt tokens of `request` for `provider`'s `model`: exact for OpenAI, an estimate for Claude and
 * Gemini (see the top of this file). At most a little over MAX_COUNTED_TOKENS. Async (lazy tokenizer).
 */
export async function countPromptTokens(request: ChatRequest, provider: ProviderName, model: string): Promise<number> {
  void model; // every current OpenAI model counts with o200k; the parameter keeps room for per-model tokenizers
  return providerTokens(await textTokens(request, MAX_COUNTED_TOKENS), partsOf(request), provider);
}

/**
 * The prompt count, stopping once it is known to exceed `limit` provider tokens. For the context check: a
 * 10 MB prompt against a 128k window is not counted to the end.
 */
export async function countPromptTokensUpTo(
  request: ChatRequest,
  provider: ProviderName,
  limit: number,
): Promise<number> {
  const factor = (FRAMING[provider] ?? OPENAI_FRAMING).factor;
  const textLimit = Math.min(MAX_COUNTED_TOKENS, Math.ceil(limit / factor));
  return providerTokens(await textTokens(request, textLimit), partsOf(request), provider);
}

/** The output the client asked for: `max_completion_tokens`, else the older `max_tokens`. */
export function requestedOutputTokens(request: ChatRequest): number | undefined {
  for (const value of [request.max_completion_tokens, request.max_tokens]) {
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  }
  return undefined;
}

/**
 * The output a request is charged for when it did not say: the `max_tokens` the gateway sends Anthropic, or
 * the model's output ceiling (OpenAI's admission reserves the most the answer could be), or 0 for a model the
 * table does not know.
 */
export function defaultOutputTokens(provider: ProviderName, model: string, overrides?: ModelLimitOverrides): number {
  if (provider === 'anthropic') return defaultMaxTokens(model);
  return modelLimits(model, overrides)?.maxOutputTokens ?? 0;
}

export interface ChargedTokens {
  prompt: number;
  /** Requested output (`max_completion_tokens` / `max_tokens`), or the default output budget. */
  output: number;
  total: number;
}

/**
 * What a request costs a tokens-per-minute budget, the way OpenAI's admission counts it: the prompt plus the
 * output it may produce. Async (lazy tokenizer).
 */
export async function chargedTokens(
  request: ChatRequest,
  provider: ProviderName,
  model: string,
  overrides?: ModelLimitOverrides,
): Promise<ChargedTokens> {
  const prompt = await countPromptTokens(request, provider, model);
  const output = requestedOutputTokens(request) ?? defaultOutputTokens(provider, model, overrides);
  return { prompt, output, total: prompt + output };
}
