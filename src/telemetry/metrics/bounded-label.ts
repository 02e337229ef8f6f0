/**
 * Label values a client can choose (the model it asks for) must not grow a time series per typo: known
 * values pass, the first `capacity` others seen are kept (cut to 64 characters), and the rest become `other`.
 */
const MAX_LENGTH = 64;

export class BoundedLabel {
  private readonly seen = new Set<string>();
  private readonly capacity: number;

  constructor(capacity: number, known: Iterable<string> = []) {
    this.capacity = capacity;
    for (const value of known) this.seen.add(value.slice(0, MAX_LENGTH));
    this.capacity += this.seen.size;
  }

  value(raw: string | undefined): string {
    if (!raw) return 'none';
    const cut = raw.length > MAX_LENGTH ? raw.slice(0, MAX_LENGTH) : raw;
    if (this.seen.has(cut)) return cut;
    if (this.seen.size >= this.capacity) return 'other';
    this.seen.add(cut);
    return cut;
  }
}

/** An HTTP status as a label with a handful of values; 429 apart because the guide watches it on its own. */
export function statusClass(status: number | undefined): string {
  if (status === undefined) return 'none';
  if (status === 429) return '429';
  return `${Math.floor(status / 100)}xx`;
}
