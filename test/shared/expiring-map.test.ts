import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createExpiringMap } from '../../providers/shared/expiring-map.ts';

describe('createExpiringMap', () => {
  it('forgets entries after the TTL and the oldest ones beyond maxEntries', () => {
    let now = 1000;
    const map = createExpiringMap<string>({ ttlMs: 100, maxEntries: 2, now: () => now });
    map.set('a', '1');
    map.set('b', '2');
    map.set('c', '3');
    assert.equal(map.get('a'), undefined, 'evicted as the oldest');
    assert.equal(map.get('b'), '2');
    now += 99;
    assert.equal(map.get('c'), '3');
    now += 1;
    assert.equal(map.get('c'), undefined, 'expired');
    assert.equal(map.size, 1);
  });
});
