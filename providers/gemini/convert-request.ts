/**
 * A validated OpenAI chat request → the `contents` and `config` of `models.generateContent(Stream)`
 * (node_modules/@google/genai/dist/genai.d.ts, `GenerateContentConfig`), plus the warnings for what Gemini
 * cannot honour exactly. Throws `UpstreamFailure` (400) before any network call for what it cannot serve.
 *
 * Every request field is handled explicitly below: mapped, refused (`unsupported_parameter`: routing tries the
 * next provider), or reported as a warning. Nothing is dropped or clamped silently. README.md has the table.
 */
import type { Content, GenerateContentConfig } from '@google/genai';
import { invalidRequest, unsupportedParameter } from '../shared/request-refusals.ts';
import type { ChatRequest, Warning } from '../types.ts';
import { convertMessages } from './convert-messages.ts';
import { convertReasoningEffort } from './convert-reasoning-effort.ts';
import { convertTools } from './convert-tools.ts';
import { isJsonObject, prepareJsonSchema } from './prepare-json-schema.ts';
import type { SignatureMemory } from './thought-signatures.ts';
import { WarningList } from './warnings.ts';

export interface ConvertedRequest {
  contents: Content[];
  config: GenerateContentConfig;
  warnings: Warning[];
}

/** Gemini accepts at most 5 stop sequences (`GenerationConfig.stopSequences`, https://ai.google.dev/api/generate-content#generationconfig). */
export const MAX_STOP_SEQUENCES = 5;

/** Fields read here or by the provider (stream, stream_options); anything else is reported as ignored. */
const HANDLED_FIELDS = new Set([
  'messages',
  'model',
  'stream',
  'stream_options',
  'n',
  'temperature',
  'top_p',
  'top_k',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'logprobs',
  'top_logprobs',
  'response_format',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'reasoning_effort',
  'logit_bias',
  'user',
  'metadata',
  'store',
  'service_tier',
  'safety_identifier',
  'prompt_cache_key',
  'prompt_cache_retention',
  'prompt_cache_options',
  'verbosity',
  'prediction',
  'audio',
  'modalities',
  'functions',
  'function_call',
  'web_search_options',
  'moderation',
]);

/**
 * What a Gemini model name may look like: `gemini-2.5-flash`, `models/…`, `tunedModels/…`. The model becomes
 * part of the URL path, and the SDK itself throws on `..`, `?` and `&` before any network call.
 */
const MODEL_NAME = /^(models\/|tunedModels\/)?[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function convertRequest(request: ChatRequest, model: string, signatures?: SignatureMemory): ConvertedRequest {
  const warnings = new WarningList();
  if (!MODEL_NAME.test(model)) {
    throw invalidRequest(
      'gemini',
      'model',
      `'${model.slice(0, 100)}' is not a Gemini model name (letters, digits, '.', '-' and '_', optionally after 'models/').`,
    );
  }
  refuseUnservable(request);
  const { systemInstruction, contents } = convertMessages(request.messages, model, warnings, signatures);
  const config: GenerateContentConfig = {};
  if (systemInstruction) config.systemInstruction = systemInstruction;

  const { tools, toolConfig } = convertTools(request.tools, request.tool_choice, request.parallel_tool_calls, warnings);
  if (tools) config.tools = tools;
  if (toolConfig) config.toolConfig = toolConfig;

  applySampling(request, config);
  applyStop(request, config);
  applyLogprobs(request, config);
  applyResponseFormat(request, config);
  const thinking = convertReasoningEffort(request.reasoning_effort, model, warnings);
  if (thinking) config.thinkingConfig = thinking;
  warnIgnored(request, warnings);
  return { contents, config, warnings: warnings.toArray() };
}

/** Requests whose answer Gemini cannot produce at all: refuse before any network call. */
function refuseUnservable(request: ChatRequest): void {
  if (request.audio != null)
    throw unsupportedParameter('gemini', 'audio', 'Gemini provider: audio output is not supported.');
  if (request.modalities?.includes('audio'))
    throw unsupportedParameter('gemini', 'modalities', 'Gemini provider: audio output is not supported.');
  if (request.functions != null)
    throw unsupportedParameter(
      'gemini',
      'functions',
      "Gemini provider: the deprecated 'functions' is not supported; use tools.",
    );
  if (request.function_call != null)
    throw unsupportedParameter(
      'gemini',
      'function_call',
      "Gemini provider: the deprecated 'function_call' is not supported; use tool_choice.",
    );
  if (request.web_search_options != null)
    throw unsupportedParameter('gemini', 'web_search_options', 'Gemini provider: web search is not supported.');
  if (request.moderation != null)
    throw unsupportedParameter(
      'gemini',
      'moderation',
      'Gemini provider: OpenAI moderation results cannot be produced.',
    );
}

function applySampling(request: ChatRequest, config: GenerateContentConfig): void {
  if (request.temperature != null) config.temperature = request.temperature;
  if (request.top_p != null) config.topP = request.top_p;
  // Not an OpenAI field, but clients aimed at Gemini send it; honouring it beats ignoring it.
  if (typeof request.top_k === 'number') config.topK = request.top_k;
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens != null) config.maxOutputTokens = maxTokens;
  if (request.n != null && request.n !== 1) config.candidateCount = request.n;
  if (request.seed != null) config.seed = request.seed;
  if (request.presence_penalty != null) config.presencePenalty = request.presence_penalty;
  if (request.frequency_penalty != null) config.frequencyPenalty = request.frequency_penalty;
}

function applyStop(request: ChatRequest, config: GenerateContentConfig): void {
  if (request.stop == null) return;
  const stops = typeof request.stop === 'string' ? [request.stop] : request.stop;
  if (stops.length > MAX_STOP_SEQUENCES) {
    throw unsupportedParameter(
      'gemini',
      'stop',
      `Gemini provider: Gemini takes at most ${MAX_STOP_SEQUENCES} stop sequences, the request has ${stops.length}.`,
    );
  }
  if (stops.length > 0) config.stopSequences = [...stops];
}

function applyLogprobs(request: ChatRequest, config: GenerateContentConfig): void {
  if (request.top_logprobs != null && request.logprobs !== true) {
    throw invalidRequest('gemini', 'top_logprobs', 'top_logprobs requires logprobs: true.');
  }
  if (request.logprobs !== true) return;
  config.responseLogprobs = true;
  // 0 top candidates is what Gemini does without `logprobs`; sending 0 would only risk a range error.
  if (request.top_logprobs != null && request.top_logprobs > 0) config.logprobs = request.top_logprobs;
}

function applyResponseFormat(request: ChatRequest, config: GenerateContentConfig): void {
  const format = request.response_format;
  if (!format || format.type === 'text') return;
  config.responseMimeType = 'application/json';
  if (format.type === 'json_schema' && isJsonObject(format.json_schema.schema)) {
    // `responseJsonSchema`, not `responseSchema`: the same JSON-Schema-vs-OpenAPI-subset reasoning as tools.
    config.responseJsonSchema = prepareJsonSchema(format.json_schema.schema, 'response_format.json_schema.schema');
  }
}

/** Fields that change nothing about the answer's content but that Gemini cannot honour: warnings. */
function warnIgnored(request: ChatRequest, warnings: WarningList): void {
  if (request.logit_bias != null && Object.keys(request.logit_bias).length > 0) {
    warnings.add(
      'logit_bias',
      'logit_bias names OpenAI tokenizer ids, which mean nothing to Gemini; it was not applied.',
    );
  }
  if (request.prediction != null)
    warnings.add('prediction', 'Gemini has no predicted outputs; the answer was generated normally.');
  if (request.user != null) warnings.add('user', 'Gemini has no end-user identifier; user was not sent.');
  if (request.safety_identifier != null)
    warnings.add('safety_identifier', 'Gemini has no safety identifier; it was not sent.');
  if (request.metadata != null && Object.keys(request.metadata).length > 0)
    warnings.add('metadata', 'Gemini does not store completions; metadata was not sent.');
  if (request.store === true)
    warnings.add('store', 'Gemini does not store completions for OpenAI; store was not applied.');
  if (request.service_tier != null && request.service_tier !== 'auto' && request.service_tier !== 'default') {
    warnings.add(
      'service_tier',
      `Gemini's service tiers differ from OpenAI's; '${request.service_tier}' was not applied.`,
    );
  }
  for (const field of ['prompt_cache_key', 'prompt_cache_retention', 'prompt_cache_options'] as const) {
    if (request[field] != null)
      warnings.add(field, 'Gemini caches prompts implicitly; OpenAI cache settings were not applied.');
  }
  if (request.verbosity != null) warnings.add('verbosity', 'Gemini has no verbosity setting; it was not applied.');
  for (const field of Object.keys(request)) {
    if (!HANDLED_FIELDS.has(field) && request[field] !== undefined) {
      warnings.add(field, `'${field}' is not a parameter the Gemini provider knows; it was not sent.`);
    }
  }
}
