/**
 * The hash that rank-table.ts and piece-cache.ts key byte ranges by: polynomial, so that the hash of any
 * range of a buffer follows in O(1) from the buffer's prefix hashes, which the merge (bpe-merge.ts) needs
 * for every pair it looks up: hash(b[i..j)) = prefix[j] − prefix[i]·BASE^(j−i), all modulo 2³².
 */

/** The multiplier (odd; the golden-ratio constant). */
const BASE = 0x9e3779b1 | 0;

/** The hash of `bytes[from..to)`. */
export function hashBytes(bytes: Uint8Array, from: number, to: number): number {
  let hash = 0;
  for (let i = from; i < to; i++) hash = nextHash(hash, bytes[i]!);
  return hash;
}

/** The hash of some bytes followed by `byte`, from the hash of those bytes (0 for none). */
export function nextHash(hash: number, byte: number): number {
  return (Math.imul(hash, BASE) + byte) | 0;
}

/** `prefix[i]` = the hash of `bytes[0..i)`, for i ≤ length. */
export function prefixHashes(bytes: Uint8Array, length: number, prefix: Int32Array): void {
  let hash = 0;
  prefix[0] = 0;
  for (let i = 0; i < length; i++) {
    hash = (Math.imul(hash, BASE) + bytes[i]!) | 0;
    prefix[i + 1] = hash;
  }
}

/** BASE to the powers 0..longest, for `rangeHash`. */
export function hashPowers(longest: number): Int32Array {
  const powers = new Int32Array(longest + 1);
  powers[0] = 1;
  for (let i = 1; i <= longest; i++) powers[i] = Math.imul(powers[i - 1]!, BASE);
  return powers;
}

/** The hash of `bytes[from..to)` from the buffer's prefix hashes; `powers` must reach `to − from`. */
export function rangeHash(prefix: Int32Array, powers: Int32Array, from: number, to: number): number {
  return (prefix[to]! - Math.imul(prefix[from]!, powers[to - from]!)) | 0;
}

/**
 * A hash spread over the low bits, for a slot index (murmur3's finaliser): the polynomial alone is weak there
 * (its lowest bit is the parity of the bytes' lowest bits).
 */
export function slotOf(hash: number, mask: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) & mask;
}
