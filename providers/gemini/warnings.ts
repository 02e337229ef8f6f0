import type { Warning } from '../types.ts';

/**
 * Collects warnings for one request, once per `param`: a conversation with forty named messages should say
 * "name ignored" once, not forty times, in `x-switchyard-warnings`.
 */
export class WarningList {
  private readonly byParam = new Map<string, Warning>();

  add(param: string, message: string): void {
    if (!this.byParam.has(param)) this.byParam.set(param, { param, message });
  }

  toArray(): Warning[] {
    return [...this.byParam.values()];
  }
}
