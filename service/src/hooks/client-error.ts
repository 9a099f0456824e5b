// What Node's HTTP parser refuses before fastify sees a request — bytes that are not HTTP (400),
// a client too slow to send its headers or body (408), headers over the size limit (431) —
// answered in OpenAI's error shape from the catalogue, with Connection: close, logged as one
// line and counted. fastify's clientErrorHandler option.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ServiceDeps } from '../deps.js';
import { ApiError } from '../errors.js';

/** Node's default `maxHeaderSize`, which the service keeps. */
export const MAX_HEADER_BYTES = 16 * 1024;

function apiErrorFor(err: NodeJS.ErrnoException & { reason?: string }, config: ServiceDeps['config']): ApiError {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return new ApiError('request_timeout', { headersMs: config.http.headersTimeoutMs, requestMs: config.http.requestTimeoutMs });
  if (err.code === 'HPE_HEADER_OVERFLOW') return new ApiError('headers_too_large', { limit: MAX_HEADER_BYTES });
  return new ApiError('bad_http', { reason: (err.reason ?? err.message).replace(/\.$/, '') });
}

export function clientErrorHandler({ config, log, metrics }: Pick<ServiceDeps, 'config' | 'log' | 'metrics'>) {
  return (err: NodeJS.ErrnoException & { reason?: string }, socket: Socket): void => {
    // A reset connection has nobody to answer; a response already under way (a 401 sent while a
    // slow body still trickles in) cannot take another: Node's own handler checks _httpMessage too.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const api = apiErrorFor(err, config);
    const body = JSON.stringify(api.body());
    const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), connection: 'close', ...api.headers };
    socket.end(`HTTP/1.1 ${api.status} ${STATUS_CODES[api.status]}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`);
    log.info('client error', { status: api.status, code: err.code ?? 'unknown' });
    metrics.requests.inc({ route: 'unmatched', method: 'unknown', status: String(api.status) });
  };
}
