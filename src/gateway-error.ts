/**
 * An error the gateway answers with, already in the shape and status an OpenAI client expects:
 * `{"error":{"message","type","param","code"}}`. Every error a client sees goes through here, gateway
 * errors and translated upstream errors alike. It lives at the root, beside clock.ts, because both http and
 * routing build it and routing must not import http.
 */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface GatewayErrorInit {
  status: number;
  message: string;
  type: string;
  code?: string | null;
  param?: string | null;
  /** Extra response headers, e.g. `x-should-retry: false` or `retry-after`. */
  headers?: Record<string, string>;
}

export class GatewayError extends Error {
  readonly status: number;
  readonly type: string;
  readonly code: string | null;
  readonly param: string | null;
  readonly headers: Record<string, string>;
  /**
   * When routing gave up: how many attempts it made and why each was abandoned (for the explaining headers);
   * `records`, each attempt's provider, key, result and time, for telemetry.
   */
  trail?: {
    attempts: number;
    fallbackReasons: string[];
    records?: ReadonlyArray<{ provider: string; key: string; ok: boolean; reason?: string; ms: number }>;
  };

  constructor(init: GatewayErrorInit) {
    super(init.message);
    this.name = 'GatewayError';
    this.status = init.status;
    this.type = init.type;
    this.code = init.code ?? null;
    this.param = init.param ?? null;
    this.headers = init.headers ?? {};
  }

  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export function invalidRequest(message: string, param: string | null = null, code: string | null = null): GatewayError {
  return new GatewayError({ status: 400, type: 'invalid_request_error', message, param, code });
}
