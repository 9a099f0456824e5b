// When a request ends, once: the response finished, or the client went away first (status
// 499, as nginx logs it). fastify's onResponse never runs for a client that left mid-answer, so
// the access log and the metrics count requests here. One hook and one pair of listeners per
// request serve every subscriber (the metrics and the access log), not a pair each.
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface RequestOutcome {
  status: number;
  /** The client closed the connection before the answer was complete. */
  aborted: boolean;
  ms: number;
}

/** The status nginx logs when the client closes the connection before the answer is sent. */
export const CLIENT_CLOSED = 499;

type Subscriber = (req: FastifyRequest, outcome: RequestOutcome) => void;
const subscribers = new WeakMap<FastifyInstance, Subscriber[]>();

export function onRequestEnd(app: FastifyInstance, done: Subscriber): void {
  const existing = subscribers.get(app);
  if (existing) return void existing.push(done);
  const all = [done];
  subscribers.set(app, all);
  app.addHook('onRequest', (req, reply, next) => {
    const started = performance.now();
    let finished = false;
    reply.raw.once('finish', () => (finished = true));
    reply.raw.once('close', () => {
      const outcome = { status: finished ? reply.statusCode : CLIENT_CLOSED, aborted: !finished, ms: Math.round(performance.now() - started) };
      for (const s of all) s(req, outcome);
    });
    next();
  });
}
