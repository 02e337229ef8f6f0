/**
 * The few Workers runtime types the Worker entry and the Durable Object store use. Declared here instead of
 * adding @cloudflare/workers-types, whose globals clash with the DOM and Node types the rest of the project
 * is checked against.
 */
declare module 'cloudflare:workers' {
  export interface SqlCursor {
    toArray(): Array<Record<string, unknown>>;
  }

  export interface SqlStorage {
    exec(query: string, ...bindings: unknown[]): SqlCursor;
  }

  export interface DurableObjectStorage {
    readonly sql: SqlStorage;
    getAlarm(): Promise<number | null>;
    setAlarm(scheduledTime: number): Promise<void>;
    deleteAlarm(): Promise<void>;
  }

  export interface DurableObjectState {
    readonly storage: DurableObjectStorage;
    waitUntil(promise: Promise<unknown>): void;
    blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>;
  }

  export interface ExecutionContext {
    waitUntil(promise: Promise<unknown>): void;
    passThroughOnException(): void;
    readonly props: unknown;
  }

  export const env: unknown;

  export abstract class DurableObject<Env = unknown> {
    protected ctx: DurableObjectState;
    protected env: Env;
    constructor(ctx: DurableObjectState, env: Env);
    alarm?(): void | Promise<void>;
  }
}
