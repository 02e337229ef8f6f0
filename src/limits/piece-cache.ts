/**
 * Token counts of pre-tokens already merged, keyed by their UTF-8 bytes. Most of a prompt's pre-tokens are
 * words it has used before; a `Map<string, number>` needed a string sliced from the prompt for each of them
 * and hashed it again, a third of a count's time. Here the bytes already encoded for the table are hashed
 * once and looked up in typed arrays that grow with what is cached, up to `maxEntries` entries or `maxBytes`
 * bytes of pre-tokens; past either, everything is forgotten at once (cheaper than tracking what is old, and
 * a count only ever gets slower, never different).
 */
import { slotOf } from './byte-hash.ts';

const INITIAL_SLOTS = 1024;
const INITIAL_BYTES = 16_384;
/** Ints per slot: hash, offset of the bytes in `pool`, their length (0: an empty slot), the count. */
const SLOT = 4;

export class PieceCache {
  private slots = new Int32Array(INITIAL_SLOTS * SLOT);
  private mask = INITIAL_SLOTS - 1;
  private pool = new Uint8Array(INITIAL_BYTES);
  private used = 0;
  private entries = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;

  constructor(maxEntries: number, maxBytes: number) {
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
  }

  /** The count stored for `bytes[0..length)` (whose hashBytes is `hash`), or -1. */
  get(bytes: Uint8Array, length: number, hash: number): number {
    for (let slot = slotOf(hash, this.mask); ; slot = (slot + 1) & this.mask) {
      const at = slot * SLOT;
      const stored = this.slots[at + 2]!;
      if (stored === 0) return -1;
      if (stored === length && this.slots[at] === hash && this.equals(this.slots[at + 1]!, bytes, length)) {
        return this.slots[at + 3]!;
      }
    }
  }

  /** Stores `count` for `bytes[0..length)`, which `get` did not find. */
  set(bytes: Uint8Array, length: number, hash: number, count: number): void {
    if (this.entries >= this.maxEntries || this.used + length > this.maxBytes) this.clear();
    // At most half full, so that a miss ends at an empty slot soon.
    if (2 * (this.entries + 1) > this.mask + 1) this.resize(2 * (this.mask + 1));
    if (this.used + length > this.pool.length) {
      const pool = new Uint8Array(Math.min(this.maxBytes, Math.max(2 * this.pool.length, this.used + length)));
      pool.set(this.pool.subarray(0, this.used));
      this.pool = pool;
    }
    for (let i = 0; i < length; i++) this.pool[this.used + i] = bytes[i]!;
    this.insert(hash, this.used, length, count);
    this.used += length;
    this.entries++;
  }

  clear(): void {
    this.slots.fill(0);
    this.used = 0;
    this.entries = 0;
  }

  private insert(hash: number, offset: number, length: number, count: number): void {
    let slot = slotOf(hash, this.mask);
    while (this.slots[slot * SLOT + 2] !== 0) slot = (slot + 1) & this.mask;
    const at = slot * SLOT;
    this.slots[at] = hash;
    this.slots[at + 1] = offset;
    this.slots[at + 2] = length;
    this.slots[at + 3] = count;
  }

  private resize(size: number): void {
    const old = this.slots;
    this.slots = new Int32Array(size * SLOT);
    this.mask = size - 1;
    for (let at = 0; at < old.length; at += SLOT) {
      if (old[at + 2] !== 0) this.insert(old[at]!, old[at + 1]!, old[at + 2]!, old[at + 3]!);
    }
  }

  private equals(offset: number, bytes: Uint8Array, length: number): boolean {
    for (let i = 0; i < length; i++) if (this.pool[offset + i] !== bytes[i]) return false;
    return true;
  }
}
