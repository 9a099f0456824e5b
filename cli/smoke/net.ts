// Why a request got no answer, in words, from Node's error codes (node:http and fetch alike).

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
};

/** Codes that mean nothing answered at that address at all (as opposed to a bad answer). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** A deadline of our own: the server took the connection but did not answer, whole, in time. */
export class NoAnswer extends Error {
  constructor(readonly seconds: number) {
    super(`no complete answer within ${seconds} s`);
  }
}

/** fetch wraps the socket error in `cause`; node:http gives it directly. */
function errnoOf(e: unknown): string | undefined {
  const err = e as { code?: unknown; cause?: { code?: unknown } };
  const code = typeof err?.code === 'string' ? err.code : typeof err?.cause?.code === 'string' ? err.cause.code : undefined;
  return code;
}

export function networkReason(e: unknown): string {
  if (e instanceof NoAnswer) return e.message;
  const code = errnoOf(e);
  if (code) return REASONS[code] ?? code;
  return e instanceof Error ? e.message : String(e);
}

export const isUnreachable = (e: unknown) => UNREACHABLE.has(errnoOf(e) ?? '');
