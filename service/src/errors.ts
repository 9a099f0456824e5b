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
  /** A field OpenAI's API has and this server cannot honour (n > 1, logprobs, images …): refused, never dropped. */
  unsupported_parameter: { status: 400, type: 'invalid_request_error' },
  /** A field OpenAI's API does not have. */
  unknown_parameter: { status: 400, type: 'invalid_request_error' },
  /** A message, or all of them, longer than the configured character caps. */
  string_above_max_length: { status: 400, type: 'invalid_request_error' },
  context_length_exceeded: { status: 400, type: 'invalid_request_error' },
  missing_credentials: { status: 401, type: 'invalid_request_error' },
  invalid_api_key: { status: 401, type: 'invalid_request_error' },
  token_expired: { status: 401, type: 'invalid_request_error' },
  key_expired: { status: 401, type: 'invalid_request_error' },
  key_revoked: { status: 401, type: 'invalid_request_error' },
  insufficient_scope: { status: 403, type: 'permission_error' },
  origin_not_allowed: { status: 403, type: 'permission_error' },
  model_not_found: { status: 404, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  method_not_allowed: { status: 405, type: 'invalid_request_error' },
  request_timeout: { status: 408, type: 'invalid_request_error' },
  request_too_large: { status: 413, type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  queue_full: { status: 429, type: 'rate_limit_error', headers: RETRY_AFTER },
  headers_too_large: { status: 431, type: 'invalid_request_error' },
  internal_error: { status: 500, type: 'server_error' },
  upstream_error: { status: 502, type: 'upstream_error' },
  model_not_ready: { status: 503, type: 'service_unavailable', headers: RETRY_AFTER },
  upstream_unavailable: { status: 503, type: 'service_unavailable', headers: RETRY_AFTER },
  shutting_down: { status: 503, type: 'service_unavailable', headers: { ...RETRY_AFTER, connection: 'close' } },
  upstream_timeout: { status: 504, type: 'upstream_error' },
} as const satisfies Record<string, CodeDef>;

export type ApiErrorCode = keyof typeof API_CODES;

/** The 400 codes an upstream's refusal keeps when it is relayed; any other becomes invalid_request. */
export const RELAYED_CODES = ['invalid_request', 'unsupported_parameter', 'unknown_parameter', 'string_above_max_length', 'context_length_exceeded'] as const satisfies readonly ApiErrorCode[];
export type RelayedCode = (typeof RELAYED_CODES)[number];

interface TemplateDef<P> {
  /** The wire code; a function only where an upstream's own code is relayed. */
  code: ApiErrorCode | ((p: P) => ApiErrorCode);
  message: (p: P) => string;
  /** OpenAI's `param`: the request field at fault. */
  param?: (p: P) => string | null;
  /** Headers this answer needs beyond its code's (405's Allow). */
  headers?: (p: P) => Record<string, string>;
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
  api_key_unvouched: template<{ line: number; file: string }>({
    code: 'invalid_api_key',
    message: (p) => `This API key appears in the key history only at line ${p.line} of ${p.file}, which does not verify: it was not recorded by smartbot keys. Run npx smartbot keys verify.`,
  }),
  insufficient_scope: template<{ has: readonly Scope[]; need: Scope }>({
    code: 'insufficient_scope',
    message: (p) => `This credential has scope ${p.has.join(', ')}; this endpoint needs ${p.need}.`,
  }),

  // --- the HTTP request (hooks/, before any route sees it) --------------------------------
  bad_http: template<{ reason: string }>({ code: 'invalid_request', message: (p) => `The request is not valid HTTP: ${p.reason}.` }),
  request_timeout: template<{ headersMs: number; requestMs: number }>({
    code: 'request_timeout',
    message: (p) => `The request did not arrive in time: the headers must arrive within ${p.headersMs} ms and the whole request within ${p.requestMs} ms.`,
  }),
  headers_too_large: template<{ limit: number }>({ code: 'headers_too_large', message: (p) => `The request headers are larger than this server accepts (${p.limit} bytes).` }),
  request_too_large: template<{ limit: number }>({
    code: 'request_too_large',
    message: (p) => `The request body is larger than this server's limit of ${p.limit} bytes: shorten the messages.`,
  }),
  unsupported_media_type: template<{ type: string }>({ code: 'unsupported_media_type', message: (p) => `Content-Type ${p.type} is not supported: send application/json.` }),
  /** fastify refused the request before any route saw it (malformed JSON, an empty body): its own text. */
  unreadable_request: template<{ detail: string }>({ code: 'invalid_request', message: (p) => p.detail }),
  not_found: template<{ method: string; path: string }>({ code: 'not_found', message: (p) => `No such endpoint: ${p.method} ${p.path}.` }),
  method_not_allowed: template<{ method: string; path: string; allow: string[] }>({
    code: 'method_not_allowed',
    message: (p) => `${p.path} does not answer ${p.method}; it answers ${p.allow.join(', ')}.`,
    headers: (p) => ({ allow: p.allow.join(', ') }),
  }),
  origin_not_allowed: template<{ origin: string }>({
    code: 'origin_not_allowed',
    message: (p) => `Origin ${p.origin} may not call this API from a browser: add it to security.cors.allowedOrigins.`,
  }),
  shutting_down: template({ code: 'shutting_down', message: () => 'The server is shutting down: retry, another instance will answer.' }),

  // --- the body (routes/chat.ts, chat-request.ts) ---------------------------------------------
  /** The body schema rejected a field: what is wrong, at OpenAI's path for it (`messages[0].content`). */
  invalid_field: template<{ param: string; problem: string }>({ code: 'invalid_request', message: (p) => `Invalid '${p.param}': ${p.problem}.`, param: (p) => p.param }),
  missing_field: template<{ param: string }>({ code: 'invalid_request', message: (p) => `Missing required parameter: '${p.param}'.`, param: (p) => p.param }),
  unknown_field: template<{ param: string }>({
    code: 'unknown_parameter',
    message: (p) => `Unrecognized request argument supplied: ${p.param}. This server reads the fields of OpenAI's chat completions API listed in its README.`,
    param: (p) => p.param,
  }),
  unsupported_field: template<{ param: string; why: string }>({ code: 'unsupported_parameter', message: (p) => `Unsupported '${p.param}': ${p.why}.`, param: (p) => p.param }),
  message_too_long: template<{ param: string; chars: number; limit: number }>({
    code: 'string_above_max_length',
    message: (p) => `'${p.param}' is ${p.chars} characters, above this server's limit of ${p.limit} per message: shorten it.`,
    param: (p) => p.param,
  }),
  prompt_too_long: template<{ chars: number; limit: number }>({
    code: 'string_above_max_length',
    message: (p) => `The messages are ${p.chars} characters together, above this server's limit of ${p.limit}: shorten or drop some.`,
    param: () => 'messages',
  }),
  context_length_exceeded: template<{ context: number; prompt: number; approximate: boolean; completion?: number }>({
    code: 'context_length_exceeded',
    message: (p) =>
      `This model's maximum context length is ${p.context} tokens. However, your messages resulted in ${p.approximate ? 'about ' : ''}${p.prompt} tokens` +
      (p.completion === undefined ? '. Please reduce the length of the messages.' : ` and max_tokens asks for ${p.completion} more (${p.prompt + p.completion} in all). Please reduce the length of the messages or max_tokens.`),
    param: () => 'messages',
  }),
  max_tokens_over_limit: template<{ param: string; asked: number; limit: number }>({
    code: 'invalid_request',
    message: (p) => `${p.param} is ${p.asked}, above this server's limit of ${p.limit}.`,
    param: (p) => p.param,
  }),
  max_tokens_conflict: template<{ maxTokens: number; maxCompletionTokens: number }>({
    code: 'invalid_request',
    message: (p) => `max_tokens (${p.maxTokens}) and max_completion_tokens (${p.maxCompletionTokens}) differ: send one of them.`,
    param: () => 'max_completion_tokens',
  }),
  tool_call_unanswered: template<{ param: string; id: string }>({
    code: 'invalid_request',
    message: (p) => `'${p.param}' (id ${p.id}) has no tool message answering it: add {"role": "tool", "tool_call_id": "${p.id}", "content": …} after it.`,
    param: (p) => p.param,
  }),
  tool_message_orphan: template<{ param: string; id: string }>({
    code: 'invalid_request',
    message: (p) => `'${p.param}' answers tool call "${p.id}", which no assistant message before it made.`,
    param: (p) => p.param,
  }),
  tool_arguments_not_json: template<{ param: string; detail: string }>({
    code: 'invalid_request',
    message: (p) => `'${p.param}' must be a JSON object encoded as a string: ${p.detail}.`,
    param: (p) => p.param,
  }),
  tool_choice_unknown: template<{ name: string; tools: string[] }>({
    code: 'invalid_request',
    message: (p) => `tool_choice names the function "${p.name}", which is not among the tools (${p.tools.join(', ') || 'none given'}).`,
    param: () => 'tool_choice',
  }),
  tool_duplicate: template<{ param: string; name: string }>({
    code: 'invalid_request',
    message: (p) => `'${p.param}' defines the function "${p.name}" a second time; function names must be unique.`,
    param: (p) => p.param,
  }),
  schema_unsupported: template<{ param: string; keyword: string }>({
    code: 'unsupported_parameter',
    message: (p) => `'${p.param}' uses \`${p.keyword}\`, which this server's grammar cannot enforce: rewrite the schema without it (types, properties, required, enum, const, anyOf/oneOf, items, length bounds and $defs/$ref are supported).`,
    param: (p) => p.param,
  }),
  model_not_found: template<{ asked: string; served: readonly string[] }>({
    code: 'model_not_found',
    message: (p) => `The model "${p.asked}" does not exist on this server; it serves ${p.served.map((s) => `"${s}"`).join(', ')}.`,
    param: () => 'model',
  }),

  // --- capacity and the model ------------------------------------------------------------
  queue_full: template<{ waiting: number }>({ code: 'queue_full', message: (p) => `The server is at capacity (${p.waiting} requests waiting): retry shortly.` }),
  model_not_ready: template<{ reason: string }>({ code: 'model_not_ready', message: (p) => `The model is not ready: ${p.reason}.` }),

  // --- the upstream model API (engine/remote.ts) -----------------------------------------
  upstream_rejected: template<{ status: number }>({ code: 'upstream_error', message: (p) => `The upstream model API rejected the request (${p.status}).` }),
  /**
   * The upstream refused the client's request, which went to it as sent (a prompt over its
   * context, a field it does not take): the client's 400, in the upstream's words and code.
   */
  upstream_bad_request: template<{ code: RelayedCode; message: string; param: string | null }>({ code: (p) => p.code, message: (p) => p.message, param: (p) => p.param }),
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
    this.code = typeof def.code === 'function' ? def.code(params) : def.code;
    const wire: CodeDef = API_CODES[this.code];
    this.status = wire.status;
    this.headers = { ...wire.headers, ...def.headers?.(params) };
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
