// When a request ends, once: the response finished, or the client went away first (status
// 499, as nginx logs it). fastify's onResponse never runs for a client that left mid-answer, so
// the access log and the metrics count requests here, and a shutdown counts them out of flight.
// One hook and one pair of listeners per request serve every subscriber (the metrics, the access
// log, draining), not a pair each.
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface RequestOutcome {
  /** The route pattern (never the raw URL: bounded label values), or "unmatched" for a 404. */
  route: string;
  /** The route's config (public, probe, scope). */
  config: FastifyRequest['routeOptions']['config'];
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
    // Read once: fastify builds a new routeOptions object at every read.
    const { url, config } = req.routeOptions;
    let finished = false;
    // A response finishes and closes once: `on`, without a once-wrapper per request.
    reply.raw.on('finish', () => (finished = true));
    reply.raw.on('close', () => {
      const outcome = { route: url ?? 'unmatched', config, status: finished ? reply.statusCode : CLIENT_CLOSED, aborted: !finished, ms: Math.round(performance.now() - started) };
      for (const s of all) s(req, outcome);
    });
    next();
  });
}
