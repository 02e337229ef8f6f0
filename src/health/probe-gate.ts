/**
 * Which requests go to a probing provider as probes. Deterministic rather than random: with share 0.05
 * exactly every twentieth request is admitted, and the first request after probing starts goes at once, so
 * recovery does not depend on luck. Each instance admits its own share.
 */
export class ProbeGate {
  private readonly credits = new Map<string, { probingSince: number; credit: number }>();
  private readonly share: number;

  constructor(share: number) {
    this.share = share;
  }

  /** For a provider probing since `probingSince`: admit this request as a probe? */
  admit(provider: string, probingSince: number): boolean {
    if (this.share <= 0) return false;
    let entry = this.credits.get(provider);
    if (!entry || entry.probingSince !== probingSince) {
      entry = { probingSince, credit: 1 };
      this.credits.set(provider, entry);
    } else {
      entry.credit = Math.min(1, entry.credit + this.share);
    }
    // Float sums of 0.05 drift just below 1; the epsilon keeps the cadence exact.
    if (entry.credit >= 1 - 1e-9) {
      entry.credit -= 1;
      return true;
    }
    return false;
  }

  forget(provider: string): void {
    this.credits.delete(provider);
  }
}
