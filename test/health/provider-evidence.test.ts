/**
 * Streaks and probe tallies, and the store status, on their own.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HealthLogEntry } from '../../src/health/alerts.ts';
import { addToBatch, type EvidenceBatch, ProviderEvidence } from '../../src/health/provider-evidence.ts';
import { StoreStatus } from '../../src/health/store-status.ts';
import { ManualClock } from '../support/manual-clock.ts';

const success = { class: 'success' } as const;
const fault = { class: 'provider_fault' } as const;
const clientFault = { class: 'client_fault' } as const;

describe('provider evidence', () => {
  it('a provider fault extends the streak, a success ends it, a client fault changes nothing', () => {
    const evidence = new ProviderEvidence();
    evidence.note('openai', fault, false);
    evidence.note('openai', fault, false);
    evidence.note('openai', clientFault, false);
    assert.equal(evidence.streak('openai'), 2);
    evidence.note('openai', success, false);
    assert.equal(evidence.streak('openai'), 0);
    assert.deepEqual(evidence.providers(), ['openai'], 'a success still makes the provider known');
  });

  it('tallies probes (not client faults among them) until cleared', () => {
    const evidence = new ProviderEvidence();
    evidence.note('openai', success, true);
    evidence.note('openai', fault, true);
    evidence.note('openai', clientFault, true);
    evidence.note('openai', fault, false);
    assert.deepEqual(evidence.probes('openai'), { ok: 1, failed: 1 });
    evidence.clearProbes('openai');
    evidence.clearStreak('openai');
    assert.deepEqual(evidence.probes('openai'), { ok: 0, failed: 0 });
    assert.equal(evidence.streak('openai'), 0);
    assert.deepEqual(evidence.providers(), []);
  });
});

describe('evidence batches (for a store that decides)', () => {
  it('a batch says whether it ended the streak and how many failures came after its last success', () => {
    const batch: EvidenceBatch = new Map();
    addToBatch(batch, 'openai', fault, false);
    addToBatch(batch, 'openai', success, true);
    addToBatch(batch, 'openai', fault, true);
    addToBatch(batch, 'openai', clientFault, true);
    addToBatch(batch, 'openai', fault, false);
    assert.deepEqual(batch.get('openai'), { reset: true, failures: 2, probeOk: 1, probeFailed: 1 });
  });

  it('folding batches in arrival order continues or restarts the streak and adds up probe tallies', () => {
    const evidence = new ProviderEvidence();
    evidence.absorb(new Map([['openai', { reset: false, failures: 3, probeOk: 0, probeFailed: 0 }]]));
    evidence.absorb(new Map([['openai', { reset: false, failures: 2, probeOk: 1, probeFailed: 0 }]]));
    assert.equal(evidence.streak('openai'), 5, 'two batches without a success: one streak');
    evidence.absorb(new Map([['openai', { reset: true, failures: 1, probeOk: 2, probeFailed: 1 }]]));
    assert.equal(evidence.streak('openai'), 1, 'a success in the batch restarts it');
    assert.deepEqual(evidence.probes('openai'), { ok: 3, failed: 1 });
    evidence.clearAllProbes();
    assert.deepEqual(evidence.probes('openai'), { ok: 0, failed: 0 });
  });
});

describe('store status', () => {
  it('logs degraded once per episode with a redacted error, and recovered with its duration', () => {
    const clock = new ManualClock(1000);
    const logs: HealthLogEntry[] = [];
    const status = new StoreStatus('redis', clock, (entry) => logs.push(entry));
    status.synced(3);
    assert.deepEqual(status.view(), { store: 'redis', degraded: false, syncMs: 3 });
    status.failed(new Error('connect to redis://u:hunter2@host:6379 failed'));
    clock.advance(500);
    status.failed('again');
    assert.equal(status.degraded, true);
    assert.equal(status.view().lastError, 'again');
    clock.advance(500);
    status.synced(4);
    assert.deepEqual(
      logs.map((l) => [l.event, l.degradedMs ?? null]),
      [
        ['store_degraded', null],
        ['store_recovered', 1000],
      ],
    );
    assert.equal(logs[0]?.error, 'connect to redis://[redacted]@host:6379 failed');
    assert.equal(status.degraded, false);
  });
});
