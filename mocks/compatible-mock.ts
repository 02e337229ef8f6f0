/**
 * An OpenAI-compatible upstream that answers like real deployments do, with the fields a gateway that
 * rebuilds answers tends to drop. It is the OpenAI mock's wire, with these added to JSON answers and chunks:
 * - `message.annotations` with a `url_citation` (OpenAI web search; the chat completion object in the API
 *   reference, https://platform.openai.com/docs/api-reference/chat/object, `annotations[].url_citation`);
 * - `reasoning_content` on the message and on deltas (vLLM's reasoning outputs,
 *   https://docs.vllm.ai/en/latest/features/reasoning_outputs.html; DeepSeek's API);
 * - Azure OpenAI's `prompt_filter_results` (top level; in a stream, a first chunk with `choices: []`) and
 *   per-choice `content_filter_results` (https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-filter);
 * - usage details (`prompt_tokens_details`, `completion_tokens_details` with reasoning tokens) and a vendor
 *   field at the top level and in the message (`x_vendor_trace`, `provider_specific_fields`).
 * Ids, timestamps and the obfuscation padding are fixed, so that a test can compare bytes with the upstream;
 * and the JSON is written the way Python servers (vLLM, LiteLLM) write it — `", "` and `": "` separators,
 * non-ASCII escaped as `\uXXXX` — which `JSON.stringify` never reproduces: a gateway that parses and
 * re-serialises cannot pass a byte comparison.
 */
import { MockUpstream, type ProviderWire, readRecord, sseFrame } from './mock-upstream.ts';
import { OPENAI_MOCK_DEFAULT_SCRIPT, openaiWire } from './openai-mock.ts';

export const COMPATIBLE_ID = 'chatcmpl-compat-0001';
export const AZURE_PROMPT_FILTER = [
  {
    prompt_index: 0,
    content_filter_results: {
      hate: { filtered: false, severity: 'safe' },
      jailbreak: { filtered: false, detected: false },
    },
  },
];
export const AZURE_CONTENT_FILTER = {
  hate: { filtered: false, severity: 'safe' },
  self_harm: { filtered: false, severity: 'safe' },
};
export const ANNOTATIONS = [
  {
    type: 'url_citation',
    url_citation: { start_index: 0, end_index: 5, title: 'Example', url: 'https://example.com/a' },
  },
];
export const REASONING = ['Think', 'ing...'];
export const VENDOR_TOP = { x_vendor_trace: { region: 'eu-1 (Zürich)', shard: 7 } };
export const VENDOR_MESSAGE = { provider_specific_fields: { cache_hit: true } };

export async function startCompatibleMock(): Promise<MockUpstream> {
  return new MockUpstream(compatibleWire, OPENAI_MOCK_DEFAULT_SCRIPT).start();
}

const compatibleWire: ProviderWire = {
  ...openaiWire,
  name: 'openai-compatible',
  render(script, request) {
    const rendered = openaiWire.render(script, request);
    if ('json' in rendered) {
      const body = readRecord(rendered.json);
      if (!body || !Array.isArray(body.choices)) return rendered;
      const enriched = enrichCompletion(body);
      return { ...rendered, json: enriched, text: pythonJson(enriched) };
    }
    return { ...rendered, sse: enrichStream(rendered.sse) };
  },
};

function enrichCompletion(body: Record<string, unknown>): Record<string, unknown> {
  const choices = (body.choices as Array<Record<string, unknown>>).map((choice) => ({
    ...choice,
    message: {
      ...readRecord(choice.message),
      annotations: ANNOTATIONS,
      reasoning_content: REASONING.join(''),
      ...VENDOR_MESSAGE,
    },
    content_filter_results: AZURE_CONTENT_FILTER,
  }));
  return {
    ...body,
    id: COMPATIBLE_ID,
    created: 1700000000,
    choices,
    prompt_filter_results: AZURE_PROMPT_FILTER,
    usage: reasoningUsage(body.usage),
    ...VENDOR_TOP,
  };
}

function reasoningUsage(usage: unknown): unknown {
  const record = readRecord(usage);
  if (!record) return usage;
  return {
    ...record,
    completion_tokens_details: { ...readRecord(record.completion_tokens_details), reasoning_tokens: 2 },
  };
}

/**
 * The stream: Azure's prompt-filter chunk first, reasoning deltas after the role chunk, annotations and the
 * content filter on the finish chunk, the vendor field on every chunk.
 */
function enrichStream(frames: string[]): string[] {
  const out: string[] = [];
  let first = true;
  for (const frame of frames) {
    const data = frame.startsWith('data: ') ? frame.slice(6).trimEnd() : '';
    if (data === '' || data === '[DONE]') {
      out.push(frame);
      continue;
    }
    const chunk = JSON.parse(data) as Record<string, unknown>;
    const fixed: Record<string, unknown> = {
      ...chunk,
      id: COMPATIBLE_ID,
      created: 1700000000,
      ...VENDOR_TOP,
      ...('obfuscation' in chunk ? { obfuscation: 'pad' } : {}),
    };
    if (first) {
      first = false;
      out.push(
        sseFrame(
          pythonJson({
            id: COMPATIBLE_ID,
            object: 'chat.completion.chunk',
            created: 1700000000,
            model: chunk.model,
            choices: [],
            prompt_filter_results: AZURE_PROMPT_FILTER,
          }),
        ),
      );
      out.push(sseFrame(pythonJson(fixed)));
      for (const piece of REASONING)
        out.push(
          sseFrame(
            pythonJson({
              ...fixed,
              choices: [{ index: 0, delta: { reasoning_content: piece }, logprobs: null, finish_reason: null }],
            }),
          ),
        );
      continue;
    }
    const choices = Array.isArray(chunk.choices) ? (chunk.choices as Array<Record<string, unknown>>) : [];
    const finishing = choices.some((choice) => choice.finish_reason != null);
    if (finishing) {
      fixed.choices = choices.map((choice) => ({
        ...choice,
        delta: { ...readRecord(choice.delta), annotations: ANNOTATIONS, ...VENDOR_MESSAGE },
        content_filter_results: AZURE_CONTENT_FILTER,
      }));
    }
    if (readRecord(chunk.usage)) fixed.usage = reasoningUsage(chunk.usage);
    out.push(sseFrame(pythonJson(fixed)));
  }
  return out;
}

/** JSON as Python's `json.dumps` writes it by default (separators `, ` and `: `, `ensure_ascii`). */
export function pythonJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value).replace(
      /[\u0080-\uffff]/g,
      (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  const entries = Object.entries(value).filter(([, item]) => item !== undefined);
  return `{${entries.map(([key, item]) => `${pythonJson(key)}: ${pythonJson(item)}`).join(', ')}}`;
}
