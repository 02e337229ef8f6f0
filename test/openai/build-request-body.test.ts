import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildJsonBody, buildStreamingBody } from '../../providers/openai/build-request-body.ts';
import type { ChatRequest, ProviderCall } from '../../providers/types.ts';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function callWith(request: ChatRequest, overrides: Partial<ProviderCall> = {}): ProviderCall {
  return {
    request: deepFreeze(request),
    model: 'gpt-4o-mini',
    stream: false,
    includeUsage: false,
    signal: new AbortController().signal,
    timeoutMs: 1000,
    ...overrides,
  };
}

const messages = [{ role: 'user' as const, content: 'Hi' }];

describe('buildJsonBody', () => {
  it('replaces the model, sets stream: false, drops stream_options and keeps everything else', () => {
    const request: ChatRequest = {
      model: 'my-alias',
      messages,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      x_vendor_flag: { nested: [1, 2] },
    };
    const body = buildJsonBody(callWith(request));
    assert.deepEqual(body, {
      model: 'gpt-4o-mini',
      messages,
      stream: false,
      temperature: 0.2,
      x_vendor_flag: { nested: [1, 2] },
    });
    assert.equal(request.model, 'my-alias', 'the client request is not mutated');
    assert.equal(request.stream, true);
  });
});

describe('buildStreamingBody', () => {
  it('sets stream: true and include_usage when routing wants usage, keeping other stream options', () => {
    const request: ChatRequest = { model: 'alias', messages, stream_options: { include_obfuscation: false }, seed: 7 };
    const body = buildStreamingBody(callWith(request, { stream: true, includeUsage: true }));
    assert.deepEqual(body, {
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      seed: 7,
      stream_options: { include_obfuscation: false, include_usage: true },
    });
    assert.deepEqual(request.stream_options, { include_obfuscation: false });
  });

  it('adds stream_options when the client sent none', () => {
    const body = buildStreamingBody(callWith({ model: 'alias', messages }, { stream: true, includeUsage: true }));
    assert.deepEqual(body.stream_options, { include_usage: true });
  });

  it('removes include_usage when routing does not want the usage chunk', () => {
    const withOther = buildStreamingBody(
      callWith(
        { model: 'alias', messages, stream: true, stream_options: { include_usage: true, include_obfuscation: false } },
        { stream: true },
      ),
    );
    assert.deepEqual(withOther.stream_options, { include_obfuscation: false });
    const alone = buildStreamingBody(
      callWith({ model: 'alias', messages, stream: true, stream_options: { include_usage: true } }, { stream: true }),
    );
    assert.equal('stream_options' in alone, false);
  });

  it('keeps unknown stream options', () => {
    const body = buildStreamingBody(
      callWith(
        {
          model: 'alias',
          messages,
          stream_options: { include_usage: false, x_chunk_size: 4 } as ChatRequest['stream_options'],
        },
        { stream: true, includeUsage: true },
      ),
    );
    assert.deepEqual(body.stream_options, { include_usage: true, x_chunk_size: 4 });
  });
});
