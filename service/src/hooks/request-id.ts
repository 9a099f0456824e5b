// Every request has an id: the caller's x-request-id when it is a plain token, else a fresh one.
// The response echoes it and the request's log line carries it.
import { randomText } from '../random-id.js';
import { appWide } from './app-wide.js';

const GIVEN_ID = /^[\w.-]{1,64}$/;

/** fastify's genReqId option. */
export function genReqId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && GIVEN_ID.test(given) ? given : `req-${randomText(6, 'hex')}`;
}

export const requestId = appWide(async (app) => {
  app.addHook('onRequest', (req, reply, next) => {
    reply.header('x-request-id', req.id);
    next();
  });
});
