/**
 * Function calls whose arguments Gemini streams in pieces (`FunctionCall.willContinue` and `partialArgs`,
 * node_modules/@google/genai/dist/genai.d.ts `PartialArg { jsonPath, stringValue, numberValue, boolValue,
 * nullValue, willContinue }`; sent by Vertex AI's `streamFunctionCallArguments`, recorded in vercel/ai's
 * google-stream-no-args-tool-call fixture): a part `{name, willContinue: true}` opens the call, parts with
 * `partialArgs` fill it, and a part without `willContinue` closes it. The call is handed on whole once closed,
 * so its OpenAI arguments are always one JSON object and never a fragment of one.
 */
import type { FunctionCall, PartialArg } from '@google/genai';
import { UpstreamFailure } from '../upstream-failure.ts';

export interface PendingCall {
  name: string;
  id?: string;
  thoughtSignature?: string;
  args: Record<string, unknown>;
  /** JSON paths whose string value is still being streamed. */
  continuing: Set<string>;
}

export function openCall(call: FunctionCall, thoughtSignature: string | undefined): PendingCall {
  const pending: PendingCall = { name: call.name ?? '', args: {}, continuing: new Set() };
  if (call.id) pending.id = call.id;
  if (thoughtSignature) pending.thoughtSignature = thoughtSignature;
  applyPartialArgs(pending, call.partialArgs ?? []);
  return pending;
}

/** Adds a continuation part; returns true when that part closed the call. */
export function continueCall(pending: PendingCall, call: FunctionCall): boolean {
  if (call.name && !pending.name) pending.name = call.name;
  applyPartialArgs(pending, call.partialArgs ?? []);
  return call.willContinue !== true;
}

export function closedCall(pending: PendingCall): FunctionCall {
  return { name: pending.name, args: pending.args, ...(pending.id ? { id: pending.id } : {}) };
}

function applyPartialArgs(pending: PendingCall, partials: readonly PartialArg[]): void {
  for (const partial of partials) {
    const path = partial.jsonPath ?? '$';
    const segments = parseJsonPath(path);
    if (segments === undefined || segments.length === 0) {
      throw new UpstreamFailure({
        provider: 'gemini',
        kind: 'stream_interrupted',
        code: 'protocol_violation',
        message: `Gemini stream broke protocol: a streamed function argument has a JSON path this gateway cannot place (${path})`,
      });
    }
    const value = partialValue(partial);
    const previous = getAt(pending.args, segments);
    const next =
      typeof value === 'string' && typeof previous === 'string' && pending.continuing.has(path)
        ? previous + value
        : value;
    setAt(pending.args, segments, next);
    if (partial.willContinue === true) pending.continuing.add(path);
    else pending.continuing.delete(path);
  }
}

function partialValue(partial: PartialArg): unknown {
  if (partial.stringValue !== undefined) return partial.stringValue;
  if (partial.numberValue !== undefined) return partial.numberValue;
  if (partial.boolValue !== undefined) return partial.boolValue;
  return null;
}

/** `$.a.b[0]['c d']` → ['a', 'b', 0, 'c d']; undefined for paths outside that subset of RFC 9535. */
export function parseJsonPath(path: string): Array<string | number> | undefined {
  if (!path.startsWith('$')) return undefined;
  const segments: Array<string | number> = [];
  const pattern = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]/y;
  pattern.lastIndex = 1;
  while (pattern.lastIndex < path.length) {
    const match = pattern.exec(path);
    if (!match) return undefined;
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else segments.push((match[3] ?? match[4] ?? '').replace(/\\(.)/g, '$1'));
  }
  return segments;
}

type Container = Record<string, unknown> | unknown[];

function getAt(root: Container, segments: ReadonlyArray<string | number>): unknown {
  let node: unknown = root;
  for (const segment of segments) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function setAt(root: Container, segments: ReadonlyArray<string | number>, value: unknown): void {
  let node: Record<string | number, unknown> = root as Record<string | number, unknown>;
  segments.forEach((segment, position) => {
    if (position === segments.length - 1) {
      node[segment] = value;
      return;
    }
    const nextIsIndex = typeof segments[position + 1] === 'number';
    if (typeof node[segment] !== 'object' || node[segment] === null) node[segment] = nextIsIndex ? [] : {};
    node = node[segment] as Record<string | number, unknown>;
  });
}
