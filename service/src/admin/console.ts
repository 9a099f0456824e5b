// The admin console on the admin port: server-rendered, read-only pages behind a login that
// exchanges an admin credential for a session cookie (session.ts). Its routes are `public` to
// the API's bearer-token hook (hooks/auth.ts): this plugin guards them itself, with the session,
// and its hooks apply to its own routes only (fastify encapsulation). Every answer carries a
// strict CSP (no inline script or style; everything from this origin), X-Frame-Options DENY and
// no-store; a request without a session gets a bare redirect to /login.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { hashKey, AUDIT_LOG_FILE } from '../../../contract/keyring-file.js';
import type { Caller } from '../auth/authenticate.js';
import { ApiError } from '../errors.js';
import type { ServiceDeps } from '../deps.js';
import { AuditHistory } from './audit.js';
import { CONSOLE_ASSETS, loadConsoleFiles, type ConsoleAsset } from './files.js';
import { MetricsHistory, SAMPLE_EVERY_MS } from './history.js';
import { monitoringFile, type MonitoringSource } from './monitoring.js';
import { auditView, configChecksum, configView, keysView, overviewView, type ConsoleContext } from './pages.js';
import { LoginLimiter, sessionCookie, sessionIdFrom, SessionStore, type Session } from './session.js';

export interface ConsoleOptions {
  /** The key audit history (audit/key-rotations.jsonl) and the workflow key beside it (audit/workflow-key.pub), when this process can read them. */
  audit?: { log: string; workflowKey: string };
  /** The repository checkout the service runs in (npm start): threshold edits then name lines. */
  repoRoot?: string;
  /** The config differs from the rendered one (npm start's local changes). */
  localChanges?: boolean;
  /** How often the metrics history samples (default 5 s). */
  sampleMs?: number;
  /** The thresholds and scaling target (default: the config's monitoringFile, re-read when it changes). */
  monitoring?: MonitoringSource;
}

export const CONSOLE_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;

const PAGES = [
  { href: '/', label: 'Overview' },
  { href: '/keys', label: 'Keys' },
  { href: '/audit', label: 'Audit' },
  { href: '/config', label: 'Config' },
] as const;

/**
 * A form post sent from another site (login CSRF: signing the browser in as someone else). The
 * browser's Sec-Fetch-Site says where a request comes from and a page cannot forge it; an Origin
 * of another site refuses too. The console's own pages send `Origin: null` (its Referrer-Policy
 * is no-referrer), so a null Origin is taken only from a browser that also says same-origin.
 * Clients that send neither header (curl, tests) are not browsers and are let through.
 */
function crossSite(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  if (origin !== undefined && origin !== 'null' && origin !== `${req.protocol}://${req.headers.host ?? ''}`) return true;
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  return origin === 'null';
}

/** What a refused login says: never which part of a credential was wrong beyond the API's own codes. */
function loginError(e: unknown, env: string): string {
  if (e instanceof ApiError && e.code === 'insufficient_scope')
    return `This credential has chat scope only: the console needs an admin-scope API key or JWT (npx smartbot keys create --env ${env} --id NAME --scope admin, or smartbot token --scope admin).`;
  if (e instanceof ApiError && e.code === 'missing_credentials') return 'Paste an admin API key or JWT into the field.';
  if (e instanceof ApiError) return `Not accepted: ${e.message}`;
  return 'Not accepted: the credential could not be checked.';
}

export const adminConsole: FastifyPluginAsync<{ deps: ServiceDeps; options: ConsoleOptions }> = async (app, { deps, options }) => {
  const files = loadConsoleFiles();
  const sessions = new SessionStore();
  const limiter = new LoginLimiter();
  const history = new MetricsHistory(deps.metrics.registry, deps.config.limits, options.sampleMs ?? SAMPLE_EVERY_MS);
  const audit = options.audit ? new AuditHistory(options.audit.log, options.audit.workflowKey) : undefined;
  const file = deps.config.monitoringFile;
  const monitoring = options.monitoring ?? (file ? monitoringFile(file, deps.log) : () => undefined);
  const ctx: ConsoleContext = { deps, history, monitoring, checksum: configChecksum(deps.config), repoRoot: options.repoRoot };
  const env = deps.config.environment;
  history.start();
  app.addHook('onClose', async () => history.stop());

  // The login form posts application/x-www-form-urlencoded (the service otherwise takes JSON only).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
  app.addHook('onSend', async (_req, reply) => {
    reply.headers(CONSOLE_HEADERS);
  });

  const secure = (req: FastifyRequest) => req.protocol === 'https';
  /**
   * Why an API key that the keyring accepts is still refused: the key history names it only in
   * a line that does not verify (a rewritten past entry, say, with a keyring edited to match).
   */
  const unvouched = async (authorization: string, caller: Caller): Promise<string | undefined> => {
    if (caller.kind !== 'api-key' || !audit) return undefined;
    const line = (await audit.read())?.unvouched.get(hashKey(authorization.slice('Bearer '.length)).toString('hex'));
    return line === undefined ? undefined : `This key appears in the key history only at line ${line} of ${AUDIT_LOG_FILE}, which does not verify: it was not recorded by smartbot keys. Run npx smartbot keys verify.`;
  };
  /** The request's live session: its cookie names one, and its credential is still admin now. */
  const current = async (req: FastifyRequest): Promise<Session | undefined> => {
    const s = sessions.get(sessionIdFrom(req.headers.cookie));
    if (!s) return undefined;
    try {
      if (await unvouched(s.authorization, await deps.authenticate(s.authorization, 'admin'))) throw new Error('unvouched');
      return s;
    } catch {
      sessions.delete(s.id);
      return undefined;
    }
  };
  const html = (reply: FastifyReply, body: string, code = 200) => reply.code(code).type('text/html; charset=utf-8').send(body);
  const layout = (path: string, session: Session | undefined) => ({
    environment: env,
    signedIn: session !== undefined,
    caller: session ? `${session.caller.id} (${session.caller.kind === 'jwt' ? 'JWT' : 'API key'})` : '',
    nav: PAGES.map((p) => ({ ...p, current: p.href === path })),
  });
  const loginPage = (reply: FastifyReply, error: string | false, code = 200) =>
    html(reply, files.page('login', { ...layout('/login', undefined), title: 'Sign in', error, createAdminCommand: `npx smartbot keys create --env ${env} --id NAME --scope admin --reason "…"` }), code);

  /** A page that needs a session: without one, a bare 303 to /login. */
  const page = (path: string, template: string, view: () => object | Promise<object>) =>
    app.get(path, { config: { public: true } }, async (req, reply) => {
      const started = performance.now();
      const session = await current(req);
      if (!session) return reply.code(303).header('location', '/login').send();
      const body = files.page(template, { ...layout(path, session), ...(await view()) });
      // The page's server time, session check included (bench/console.ts reads it).
      return html(reply.header('server-timing', `render;dur=${(performance.now() - started).toFixed(2)}`), body);
    });

  page('/', 'overview', () => overviewView(ctx));
  page('/keys', 'keys', () => keysView(deps));
  page('/audit', 'audit', () => auditView(deps, audit));
  page('/config', 'config', () => configView(deps, monitoring, options.localChanges ?? false));

  app.get('/login', { config: { public: true } }, async (req, reply) => ((await current(req)) ? reply.code(303).header('location', '/').send() : loginPage(reply, false)));

  app.post<{ Body: { token?: unknown } | undefined }>('/login', { config: { public: true } }, async (req, reply) => {
    if (crossSite(req)) return loginPage(reply, 'This sign-in was sent from another site: sign in on the console page itself.', 403);
    const given = req.body?.token;
    if (given !== undefined && typeof given !== 'string') return loginPage(reply, 'The token must be text: paste an admin API key or JWT into the field.', 400);
    // Counted before it is checked: concurrent guesses cannot all pass the limit while the first ones are checked.
    const wait = limiter.attempt(req.ip);
    if (wait > 0) return loginPage(reply.header('retry-after', String(wait)), `Too many failed sign-ins from this address: try again in ${wait} s.`, 429);
    const authorization = `Bearer ${(given ?? '').trim()}`;
    try {
      const caller = await deps.authenticate(authorization, 'admin');
      const refused = await unvouched(authorization, caller);
      if (refused) {
        deps.log.warn('console sign-in refused', { reason: 'key not in the verified key history', caller: caller.id, reqId: req.id });
        return loginPage(reply, refused, 403);
      }
      limiter.succeeded(req.ip);
      const session = sessions.create(authorization, caller);
      deps.log.info('console sign-in', { caller: caller.id, kind: caller.kind, reqId: req.id });
      return reply.code(303).header('set-cookie', sessionCookie(session, secure(req))).header('location', '/').send();
    } catch (e) {
      deps.log.info('console sign-in refused', { reason: e instanceof ApiError ? e.code : 'error', reqId: req.id });
      return loginPage(reply, loginError(e, env), e instanceof ApiError && e.code === 'insufficient_scope' ? 403 : 401);
    }
  });

  app.post('/logout', { config: { public: true } }, async (req, reply) => {
    if (crossSite(req)) return reply.code(403).send();
    sessions.delete(sessionIdFrom(req.headers.cookie));
    return reply.code(303).header('set-cookie', sessionCookie(undefined, secure(req))).header('location', '/login').send();
  });

  for (const [name, type] of Object.entries(CONSOLE_ASSETS) as [ConsoleAsset, string][])
    app.get(`/${name}`, { config: { public: true } }, async (_req, reply) => reply.type(type).send(files.asset(name)));
};
