import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closedCall, continueCall, openCall, parseJsonPath } from '../../providers/gemini/assemble-function-call.ts';
import { UpstreamFailure } from '../../providers/upstream-failure.ts';

describe('assembling streamed function-call arguments', () => {
  it('reads the JSON paths Gemini sends', () => {
    assert.deepEqual(parseJsonPath('$.a.b[2]'), ['a', 'b', 2]);
    assert.deepEqual(parseJsonPath("$['x y'].z"), ['x y', 'z']);
    assert.equal(parseJsonPath('a.b'), undefined);
    assert.equal(parseJsonPath('$..a'), undefined);
  });

  it('joins string pieces of one path, places nested values, and closes on a part without willContinue', () => {
    const pending = openCall({ name: 'f', willContinue: true }, 'sig');
    assert.equal(
      continueCall(pending, {
        partialArgs: [{ jsonPath: '$.q', stringValue: 'he', willContinue: true }],
        willContinue: true,
      }),
      false,
    );
    assert.equal(
      continueCall(pending, { partialArgs: [{ jsonPath: '$.q', stringValue: 'llo' }], willContinue: true }),
      false,
    );
    assert.equal(
      continueCall(pending, {
        partialArgs: [
          { jsonPath: '$.opts.n[0]', numberValue: 3 },
          { jsonPath: '$.on', boolValue: true },
        ],
        willContinue: true,
      }),
      false,
    );
    assert.equal(continueCall(pending, {}), true);
    assert.deepEqual(closedCall(pending), { name: 'f', args: { q: 'hello', opts: { n: [3] }, on: true } });
    assert.equal(pending.thoughtSignature, 'sig');
  });

  it('refuses a path it cannot place, as a protocol failure', () => {
    const pending = openCall({ name: 'f', willContinue: true }, undefined);
    assert.throws(
      () => continueCall(pending, { partialArgs: [{ jsonPath: '$[*]', stringValue: 'x' }] }),
      (error: unknown) => error instanceof UpstreamFailure && error.code === 'protocol_violation',
    );
  });
});
