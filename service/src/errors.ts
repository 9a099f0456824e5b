// The service's one error catalogue: stable codes, HTTP status, OpenAI error type and message.
// Every error a client sees has OpenAI's body shape: {"error": {message, type, param, code}}.

interface ErrorDef {
  status: number;
  type: string;
  message: string;
}

export const API_ERRORS = {
  missing_credentials: { status: 401, type: 'invalid_request_error', message: 'Missing credentials: send Authorization: Bearer <API key or token>.' },
  invalid_api_key: { status: 401, type: 'invalid_request_error', message: 'Invalid API key or token.' },
  token_expired: { status: 401, type: 'invalid_request_error', message: 'The access token has expired: mint a new one with `smartbot token`.' },
  key_expired: { status: 401, type: 'invalid_request_error', message: 'This key has expired (its rotation overlap is over): use the current key.' },
  key_revoked: { status: 401, type: 'invalid_request_error', message: 'This key has been revoked.' },
  insufficient_scope: { status: 403, type: 'permission_error', message: 'This credential lacks the scope this endpoint needs.' },
  invalid_request: { status: 400, type: 'invalid_request_error', message: 'The request is invalid.' },
  model_not_found: { status: 404, type: 'invalid_request_error', message: 'The model does not exist on this server.' },
  not_found: { status: 404, type: 'invalid_request_error', message: 'No such endpoint.' },
  queue_full: { status: 429, type: 'rate_limit_error', message: 'The server is at capacity: retry shortly.' },
  model_not_ready: { status: 503, type: 'service_unavailable', message: 'The model is not ready to serve requests.' },
  upstream_unavailable: { status: 503, type: 'service_unavailable', message: 'The upstream model API is unreachable.' },
  upstream_error: { status: 502, type: 'upstream_error', message: 'The upstream model API failed.' },
  upstream_timeout: { status: 504, type: 'upstream_error', message: 'The upstream model API timed out.' },
  internal_error: { status: 500, type: 'server_error', message: 'Internal server error.' },
} as const satisfies Record<string, ErrorDef>;

export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    detail?: string,
    readonly param: string | null = null,
  ) {
    super(detail ?? API_ERRORS[code].message);
    this.status = API_ERRORS[code].status;
  }

  body() {
    return { error: { message: this.message, type: API_ERRORS[this.code].type, param: this.param, code: this.code } };
  }
}
