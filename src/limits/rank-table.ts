/**
 * A BPE rank table keyed by bytes, in typed arrays: the token for a range of a byte buffer is found without
 * building a string for it. A `Map<string, number>` of o200k's 200k tokens cost ~10 MB of heap on top of
 * gpt-tokenizer's own list and a few microseconds per lookup of a new string (hashing it, then missing the
 * CPU caches on a large table's buckets, entries and key strings): the count of a prompt of unseen words
 * was mostly such lookups. Here (~6.7 MB of typed arrays) a two-byte range is read from a direct table, and
 * a longer one is hashed in O(1) from the buffer's prefix hashes (byte-hash.ts), probed in one slot array
 * (hash and rank side by side) and compared byte by byte only when the hash matches.
 */
import { hashBytes, hashPowers, rangeHash, slotOf } from './byte-hash.ts';
import { encodeUtf8, utf8Length } from './utf8-length.ts';

/** What `rank` answers for bytes that are no token: above every rank, so a merge can compare it as one. */
export const NOT_A_TOKEN = 0x3fffffff;

/** Ranks stay below 2¹⁹, so that bpe-merge.ts can pack a rank and a position in 31 bits. */
export const MAX_TOKENS = 1 << 19;

export class RankTable {
  /** Every token's bytes, one after the other; token r is `pool[offsets[r]..offsets[r + 1])`. */
  private readonly pool: Uint8Array;
  private readonly offsets: Int32Array;
  /** Open addressing, linear probing: `slots[2s]` a token's hash, `slots[2s + 1]` its rank + 1 (0: empty). */
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** Two-byte tokens by `first << 8 | second`: most pairs a merge looks up are two single bytes. */
  private readonly pairs = new Int32Array(1 << 16).fill(NOT_A_TOKEN);
  /** For `rangeHash`, up to the longest token. */
  private readonly powers: Int32Array;
  readonly maxTokenBytes: number;

  /** `tokens[rank]`: a token's text (UTF-8 encoded here) or its bytes (tokens that are not valid UTF-8). */
  constructor(tokens: ReadonlyArray<string | ArrayLike<number> | undefined>) {
    if (tokens.length > MAX_TOKENS) throw new RangeError(`${tokens.length} tokens: at most ${MAX_TOKENS}`);
    const sizeOf = (token: string | ArrayLike<number> | undefined) =>
      token === undefined ? 0 : typeof token === 'string' ? utf8Length(token) : token.length;
    this.offsets = new Int32Array(tokens.length + 1);
    let total = 0;
    let longest = 0;
    for (let rank = 0; rank < tokens.length; rank++) {
      const size = sizeOf(tokens[rank]);
      this.offsets[rank] = total;
      total += size;
      longest = Math.max(longest, size);
    }
    this.offsets[tokens.length] = total;
    this.pool = new Uint8Array(total);
    for (let rank = 0; rank < tokens.length; rank++) {
      const token = tokens[rank];
      if (typeof token === 'string') encodeUtf8(token, 0, token.length, this.pool, this.offsets[rank]!);
      else if (token !== undefined) this.pool.set(token, this.offsets[rank]);
    }
    this.maxTokenBytes = longest;
    this.powers = hashPowers(longest);

    // At most half full, so a miss (most pairs a merge looks up are no token) probes a slot or two.
    let size = 1;
    while (size < tokens.length * 2) size *= 2;
    this.mask = size - 1;
    this.slots = new Int32Array(size * 2);
    for (let rank = 0; rank < tokens.length; rank++) {
      const start = this.offsets[rank]!;
      const length = this.offsets[rank + 1]! - start;
      // Holes (unused ranks) stay out; if two ranks had the same bytes, the later would win, as in a Map.
      if (length === 0) continue;
      if (length === 2) this.pairs[(this.pool[start]! << 8) | this.pool[start + 1]!] = rank;
      const hash = hashBytes(this.pool, start, start + length);
      let slot = slotOf(hash, this.mask);
      for (let other = this.slots[2 * slot + 1]!; other !== 0; other = this.slots[2 * slot + 1]!) {
        if (this.slots[2 * slot] === hash && this.equals(other - 1, this.pool, start, length)) break;
        slot = (slot + 1) & this.mask;
      }
      this.slots[2 * slot] = hash;
      this.slots[2 * slot + 1] = rank + 1;
    }
  }

  /** The rank of the token whose bytes are `bytes[from..to)` (whose hashBytes is `hash`), or NOT_A_TOKEN. */
  rankOf(bytes: Uint8Array, from: number, to: number, hash = hashBytes(bytes, from, to)): number {
    if (to - from > this.maxTokenBytes) return NOT_A_TOKEN;
    return this.find(hash, bytes, from, to - from);
  }

  /** `rankOf`, in O(1) for a range of any length: `prefix` holds the buffer's `prefixHashes`. */
  rank(bytes: Uint8Array, prefix: Int32Array, from: number, to: number): number {
    const length = to - from;
    if (length === 2) return this.pairs[(bytes[from]! << 8) | bytes[from + 1]!]!;
    if (length > this.maxTokenBytes) return NOT_A_TOKEN;
    return this.find(rangeHash(prefix, this.powers, from, to), bytes, from, length);
  }

  private find(hash: number, bytes: Uint8Array, from: number, length: number): number {
    for (let slot = slotOf(hash, this.mask); ; slot = (slot + 1) & this.mask) {
      const stored = this.slots[2 * slot + 1]!;
      if (stored === 0) return NOT_A_TOKEN;
      if (this.slots[2 * slot] === hash && this.equals(stored - 1, bytes, from, length)) return stored - 1;
    }
  }

  private equals(rank: number, bytes: Uint8Array, from: number, length: number): boolean {
    const start = this.offsets[rank]!;
    if (this.offsets[rank + 1]! - start !== length) return false;
    for (let i = 0; i < length; i++) if (this.pool[start + i] !== bytes[from + i]) return false;
    return true;
  }
}
