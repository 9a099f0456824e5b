// The service's one error catalogue. Two tables: the wire codes clients see (HTTP status,
// OpenAI error type, headers the answer carries) and the message templates, each with typed
// parameters, naming the code it answers with. Code elsewhere throws
// `new ApiError(template, params)` and never writes error text of its own, as the rules
// catalogue (validation/rules.ts) does for diagnostics. Every error a client sees has OpenAI's
// body shape: {"error": {message, type, param, code}}; the error-mapping hook sends it.
import type { Refusal } from '../../contract/jwt.js';
import type { Scope } from '../../contract/keyring-file.js';

interface CodeDef {
  status: number;
  type: string;
  headers?: Readonly<Record<string, string>>;
}

/** 429 and 503 say when to come back (RFC 9110 §10.2.3); the openai SDK and our remote engine honour it. */
export const RETRY_AFTER = { 'retry-after': '1' } as const;

export const API_CODES = {
  invalid_request: { status: 400, type: 'invalid_request_error' },
  missing_credentials: { status: 401, type: 'invalid_request_error' },
  invalid_api_key: { status: 401, type: 'invalid_request_error' },
  token_expired: { status: 401, type: 'invalid_request_error' },
  key_expired: { status: 401, type: 'invalid_request_error' },
  key_revoked: { status: 401, type: 'invalid_request_error' },
  insufficient_scope: { status: 403, type: 'permission_error' },
  model_not_found: { status: 404, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  queue_full: { status: 429, type: 'rate_limit_error', headers: RETRY_AFTER },
  internal_error: { status: 500, type: 'server_error' },
  upstream_error: { status: 502, type: 'upstream_error' },
  model_not_ready: { status: 503, type: 'service_unavailable', headers: RETRY_AFTER },
  upstream_unavailable: { status: 503, type: 'service_unavailable', headers: RETRY_AFTER },
  upstream_timeout: { status: 504, type: 'upstream_error' },
} as const satisfies Record<string, CodeDef>;

export type ApiErrorCode = keyof typeof API_CODES;

interface TemplateDef<P> {
  code: ApiErrorCode;
  message: (p: P) => string;
  /** OpenAI's `param`: the request field at fault. */
  param?: (p: P) => string | null;
}

const template = <P = void>(def: TemplateDef<P>): TemplateDef<P> => def;

/** The JWT refusals that answer invalid_api_key (expired and retired or revoked signing keys have their own codes). */
type TokenRefusal = Exclude<Refusal, { reason: 'expired' | 'key-retired' | 'key-revoked' }>;
function tokenRefusal(r: TokenRefusal): string {
  switch (r.reason) {
    case 'malformed':
      return 'The token is malformed.';
    case 'algorithm':
      return "The token's algorithm (alg) must be EdDSA.";
    case 'signature':
      return 'The token signature does not verify.';
    case 'not-yet-valid':
      return 'The token is not valid yet (nbf).';
    case 'issued-in-future':
      return 'The token was issued in the future (iat).';
    case 'lifetime':
      return `The token's lifetime (exp − iat = ${r.lifetime} s) exceeds this environment's maximum of ${r.max} s.`;
    case 'issuer':
      return `The token's issuer (iss) must be "${r.expected}".`;
    case 'audience':
      return `The token's audience (aud) must include "${r.expected}".`;
    case 'claim':
      return `The token's "${r.claim}" claim is missing or invalid.`;
    case 'no-kid':
      return 'The token names no signing key (kid header): mint a new one with `smartbot token`.';
    case 'unknown-kid':
      return `The token's signing key "${r.kid}" is not one of this environment's keys.`;
    case 'crit':
      return `The token requires the extension "${r.extension}" (crit header), which this server does not support.`;
  }
}

export const API_ERRORS = {
  // --- credentials (auth/) ---------------------------------------------------------------
  missing_credentials: template({ code: 'missing_credentials', message: () => 'Missing credentials: send Authorization: Bearer <API key or token>.' }),
  invalid_api_key: template({ code: 'invalid_api_key', message: () => 'Invalid API key or token.' }),
  token_expired: template({ code: 'token_expired', message: () => 'The access token has expired: mint a new one with `smartbot token`.' }),
  api_key_expired: template<{ id: string; at: string; name: string }>({ code: 'key_expired', message: (p) => `The API key ${p.id} expired at ${p.at}: use the current key for ${p.name}.` }),
  api_key_revoked: template<{ id: string }>({ code: 'key_revoked', message: (p) => `The API key ${p.id} has been revoked.` }),
  api_key_not_yet_valid: template<{ id: string; from: string }>({ code: 'invalid_api_key', message: (p) => `The API key ${p.id} is not valid before ${p.from}.` }),
  token_key_retired: template<{ kid: string; at: string }>({ code: 'key_expired', message: (p) => `The token's signing key "${p.kid}" retired at ${p.at}: mint a new token with the current key.` }),
  token_key_revoked: template<{ kid: string }>({ code: 'key_revoked', message: (p) => `The token's signing key "${p.kid}" has been revoked: mint a new token with the current key.` }),
  token_refused: template<TokenRefusal>({ code: 'invalid_api_key', message: tokenRefusal }),
  insufficient_scope: template<{ has: readonly Scope[]; need: Scope }>({
    code: 'insufficient_scope',
    message: (p) => `This credential has scope ${p.has.join(', ')}; this endpoint needs ${p.need}.`,
  }),

  // --- the request -----------------------------------------------------------------------
  /** The body schema rejected the request (ajv's text, e.g. "body/temperature must be <= 2"). */
  invalid_body: template<{ detail: string; where: string | null }>({ code: 'invalid_request', message: (p) => `Invalid request: ${p.detail}.`, param: (p) => p.where }),
  /** fastify refused the request before any route saw it (malformed JSON, wrong content type, body too large): its own text. */
  unreadable_request: template<{ detail: string }>({ code: 'invalid_request', message: (p) => p.detail }),
  max_tokens_over_limit: template<{ asked: number; limit: number }>({
    code: 'invalid_request',
    message: (p) => `max_tokens is ${p.asked}, above this server's limit of ${p.limit}.`,
    param: () => 'max_tokens',
  }),
  last_message_not_user: template({ code: 'invalid_request', message: () => 'The last message must have role "user".', param: () => 'messages' }),
  model_not_found: template<{ asked: string; served: string }>({
    code: 'model_not_found',
    message: (p) => `The model "${p.asked}" does not exist on this server; it serves "${p.served}".`,
    param: () => 'model',
  }),
  not_found: template<{ method: string; path: string }>({ code: 'not_found', message: (p) => `No such endpoint: ${p.method} ${p.path}.` }),

  // --- capacity and the model ------------------------------------------------------------
  queue_full: template<{ waiting: number }>({ code: 'queue_full', message: (p) => `The server is at capacity (${p.waiting} requests waiting): retry shortly.` }),
  model_not_ready: template<{ reason: string }>({ code: 'model_not_ready', message: (p) => `The model is not ready: ${p.reason}.` }),

  // --- the upstream model API (engine/remote.ts) -----------------------------------------
  upstream_rejected: template<{ status: number }>({ code: 'upstream_error', message: (p) => `The upstream model API rejected the request (${p.status}).` }),
  upstream_failed: template<{ attempts: number; last: string }>({ code: 'upstream_error', message: (p) => `The upstream model API failed after ${p.attempts} attempts: ${p.last}` }),
  upstream_malformed: template<{ what: string }>({ code: 'upstream_error', message: (p) => `The upstream model API ${p.what}.` }),
  upstream_stream_error: template<{ message: string }>({ code: 'upstream_error', message: (p) => `The upstream model API failed mid-stream: ${p.message}` }),
  upstream_unavailable: template<{ attempts: number; last: string }>({
    code: 'upstream_unavailable',
    message: (p) => `The upstream model API is unreachable after ${p.attempts} attempts: ${p.last}`,
  }),
  upstream_timeout: template<{ ms: number }>({ code: 'upstream_timeout', message: (p) => `The upstream model API did not answer within ${p.ms} ms.` }),

  internal_error: template({ code: 'internal_error', message: () => 'Internal server error.' }),
} as const;

export type ApiErrorId = keyof typeof API_ERRORS;
export type ApiErrorParams<I extends ApiErrorId> = Parameters<(typeof API_ERRORS)[I]['message']>[0];
/** A template without parameters takes none; one with parameters requires them. */
type ApiErrorArgs<I extends ApiErrorId> = ApiErrorParams<I> extends void ? [] : [params: ApiErrorParams<I>];

class ApiErrorClass extends Error {
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly param: string | null;
  /** Headers the answer carries (Retry-After on 429 and 503). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly id: ApiErrorId,
    params?: unknown,
  ) {
    const def = API_ERRORS[id] as TemplateDef<unknown>;
    super(def.message(params));
    this.code = def.code;
    const wire: CodeDef = API_CODES[def.code];
    this.status = wire.status;
    this.headers = wire.headers ?? {};
    this.param = def.param?.(params) ?? null;
  }

  body() {
    return { error: { message: this.message, type: API_CODES[this.code].type, param: this.param, code: this.code } };
  }
}

/**
 * `new ApiError('queue_full', { waiting: 16 })`: TypeScript class constructors cannot be generic,
 * so the class is exported through a generic construct signature that ties the parameters to the
 * template. `instanceof ApiError` works as with any class.
 */
export const ApiError = ApiErrorClass as unknown as {
  new <I extends ApiErrorId>(id: I, ...params: ApiErrorArgs<I>): ApiErrorClass;
  readonly prototype: ApiErrorClass;
};
export type ApiError = ApiErrorClass;
