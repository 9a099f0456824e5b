// When a request ends, once: the response finished, or the client went away first (status
// 499, as nginx logs it). fastify's onResponse never runs for a client that left mid-answer, so
// the access log and the metrics count requests here.
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface RequestOutcome {
  status: number;
  /** The client closed the connection before the answer was complete. */
  aborted: boolean;
  ms: number;
}

/** The status nginx logs when the client closes the connection before the answer is sent. */
export const CLIENT_CLOSED = 499;

export function onRequestEnd(app: FastifyInstance, done: (req: FastifyRequest, outcome: RequestOutcome) => void): void {
  app.addHook('onRequest', async (req, reply) => {
    const started = performance.now();
    let finished = false;
    reply.raw.once('finish', () => (finished = true));
    reply.raw.once('close', () => done(req, { status: finished ? reply.statusCode : CLIENT_CLOSED, aborted: !finished, ms: Math.round(performance.now() - started) }));
  });
}
