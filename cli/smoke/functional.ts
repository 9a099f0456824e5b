// The functional part of `smartbot smoke`: the deployment guide's checks, each reported pass or
// fail with what it got. The first request (/readyz) also tells an unreachable service (exit 2)
// apart from one that answers wrongly (a failed check, exit 1). Every request is bounded (a
// total deadline, a byte cap) and so is the part as a whole; what a server said is masked
// (the one secret rule, the token included) before it is cut short, never after.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UserError } from '../../contract/run-main.js';
import { maskSecrets } from '../../contract/secrets.js';
import type { SmokeConfig } from '../../contract/smoke-config.js';
import { LOG_LINE_PATTERN } from '../../contract/telemetry.js';
import { fetchBounded } from '../http.js';
import { errorCode } from './load.js';
import { isUnreachable, networkReason } from './net.js';
import type { Check } from './outcome.js';

export interface FunctionalTarget {
  /** Base URL, no trailing slash. */
  url: string;
  /** --metrics-url, when given; else found (see the metrics check). */
  metricsUrl?: string;
  /** The environment's ports, when --env names one of the repository. */
  ports?: { external: number; admin?: number };
  token: string;
  config: SmokeConfig;
  /** The service's log file, when this machine can read it. */
  logsFile?: string;
  /** Each request, whole. */
  requestSeconds: number;
  /** The functional part's deadline (cli/http.ts runDeadline). */
  deadline: AbortSignal;
}

/** Answers are read up to this; /metrics may be larger (every series of every route and model). */
export const ANSWER_MAX_BYTES = 2 ** 20;
export const METRICS_MAX_BYTES = 8 * 2 ** 20;

/** The deployment guide's request. */
export const GUIDE_REQUEST = { messages: [{ role: 'user', content: '你好,介绍一下自己' }], temperature: 0.7 };
/** Sent where a token must be refused: never a valid key (keys start sb_, JWTs eyJ). */
export const WRONG_TOKEN = 'smartbot-smoke-wrong-token';

interface Answer {
  status: number;
  contentType: string;
  headers: Headers;
  text: string;
  seconds: number;
  /** performance.now() of the first body chunk. */
  firstChunkAt: number;
  sentAt: number;
  /** Which model answered, and the fallback taken (x-smartbot-model, x-smartbot-fallback). */
  model: { id: string | null; fallback: string | null };
}

async function call(t: FunctionalTarget, url: string, init: RequestInit, maxBytes = ANSWER_MAX_BYTES): Promise<Answer> {
  const a = await fetchBounded(url, init, { timeoutMs: t.requestSeconds * 1000, maxBytes, signal: t.deadline });
  const model = { id: a.headers.get('x-smartbot-model'), fallback: a.headers.get('x-smartbot-fallback') };
  return { status: a.status, contentType: a.headers.get('content-type') ?? '', headers: a.headers, text: a.body.toString('utf8'), seconds: (performance.now() - a.sentAt) / 1000, firstChunkAt: a.firstByteAt, sentAt: a.sentAt, model };
}

/** What a server said, for the report: secrets masked first (a cut token would keep its random part), then cut. */
const said = (t: Pick<FunctionalTarget, 'token'>, text: string, max = 80) => {
  const masked = maskSecrets(text, [t.token]).replace(/\s+/g, ' ');
  return masked.length > max ? `${masked.slice(0, max)}…` : masked;
};

const json = (text: string): Record<string, unknown> | undefined => {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/** "401 invalid_api_key: the token was refused" — what a failed answer says, short. */
function failure(t: FunctionalTarget, a: Answer): string {
  const code = errorCode(a.text);
  const hint = a.status === 401 ? ': the token was refused' : a.status === 403 ? ': the token lacks the chat scope' : '';
  return `${a.status}${code ? ` ${said(t, code, 60)}` : ''}${hint || (code ? '' : `: ${said(t, a.text)}`)}`;
}

type Result = Omit<Check, 'name'> & { model?: string };
const pass = (detail: string): Result => ({ status: 'pass', detail });
const fail = (detail: string): Result => ({ status: 'fail', detail });

/** One check: `model` is the id /v1/models named, once that step has run. */
interface Step {
  name: string;
  run(t: FunctionalTarget, model: string | undefined): Promise<Result>;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
const post = (t: FunctionalTarget, path: string, body: object, token = t.token) => call(t, `${t.url}${path}`, { method: 'POST', headers: bearer(token), body: JSON.stringify(body) });

const completion = (t: FunctionalTarget, a: Answer): Result => {
  const body = json(a.text) as { object?: string; choices?: { message?: { content?: unknown }; finish_reason?: string }[]; usage?: { completion_tokens?: number } } | undefined;
  if (a.status !== 200) return fail(failure(t, a));
  const choice = body?.choices?.[0];
  if (body?.object !== 'chat.completion' || typeof choice?.message?.content !== 'string' || choice.message.content === '') return fail(`200 but not a chat.completion with a reply: ${said(t, a.text)}`);
  const tokens = body.usage?.completion_tokens;
  return pass(`200 chat.completion, ${tokens ?? '?'} tokens in ${a.seconds.toFixed(2)} s, finish ${said(t, String(choice.finish_reason ?? '?'), 20)}`);
};

/** A URL with another port. */
const withPort = (url: string, port: number) => {
  const u = new URL(url);
  u.port = String(port);
  return u.href.replace(/\/+$/, '');
};

/**
 * Where /metrics is: --metrics-url; else the service's own URL; else, when that is a 404, the
 * admin port — the one the service names in its answer (x-smartbot-metrics-port), or the
 * environment's ports.admin when the URL is on its ports.external.
 */
async function metricsAnswer(t: FunctionalTarget): Promise<{ a: Answer; url: string; found?: string }> {
  const get = (url: string) => call(t, url, {}, METRICS_MAX_BYTES);
  if (t.metricsUrl) return { a: await get(t.metricsUrl), url: t.metricsUrl };
  const own = `${t.url}/metrics`;
  const a = await get(own);
  if (a.status !== 404) return { a, url: own };
  const reported = Number(a.headers.get('x-smartbot-metrics-port'));
  const port = new URL(t.url).port || (t.url.startsWith('https:') ? '443' : '80');
  const [admin, found] =
    Number.isInteger(reported) && reported > 0 && reported < 65536
      ? [reported, `on the admin port ${reported}, as the service reports`]
      : t.ports?.admin !== undefined && String(t.ports.external) === port
        ? [t.ports.admin, `on the environment's admin port ${t.ports.admin}`]
        : [undefined, undefined];
  if (admin === undefined) return { a, url: own };
  const url = `${withPort(t.url, admin)}/metrics`;
  return { a: await get(url), url, found: found! };
}

const withModel = (model: string | undefined) => (model ? { model } : {});

const STEPS: Step[] = [
  {
    name: 'readyz',
    async run(t) {
      const a = await call(t, `${t.url}/readyz`, {});
      const body = json(a.text);
      if (a.status === 200 && body?.status === 'ready') return pass(`200 ready, model ${said(t, String(body.model))}`);
      // The service says {"status": "not ready", "reason": …}; anything else is shown as an error answer.
      if (typeof body?.status === 'string') return fail(`${a.status} ${said(t, body.status, 40)}${body.reason ? `: ${said(t, String(body.reason))}` : ''}`);
      return fail(failure(t, a));
    },
  },
  {
    name: 'models',
    async run(t) {
      const a = await call(t, `${t.url}/v1/models`, { headers: bearer(t.token) });
      const body = json(a.text) as { object?: string; data?: { id?: unknown }[] } | undefined;
      if (a.status !== 200) return fail(failure(t, a));
      const id = body?.data?.[0]?.id;
      if (body?.object !== 'list' || typeof id !== 'string') return fail(`200 but not a model list: ${said(t, a.text)}`);
      return { ...pass(`200, serves ${said(t, id)}`), model: id };
    },
  },
  { name: 'chat (guide)', run: async (t) => completion(t, await post(t, '/api/v1/chat', GUIDE_REQUEST)) },
  {
    name: 'completions',
    run: async (t, model) => completion(t, await post(t, '/v1/chat/completions', { ...withModel(model), ...GUIDE_REQUEST, max_tokens: t.config.load.maxTokens })),
  },
  {
    name: 'completions stream',
    async run(t, model) {
      const a = await post(t, '/v1/chat/completions', { ...withModel(model), ...GUIDE_REQUEST, max_tokens: t.config.load.maxTokens, stream: true });
      if (a.status !== 200) return fail(failure(t, a));
      if (!a.contentType.startsWith('text/event-stream')) return fail(`200 but ${said(t, a.contentType, 60) || 'no content type'}, not an event stream`);
      const events = a.text.split('\n\n').filter((e) => e.startsWith('data: '));
      const chunks = events.map((e) => json(e.slice(6)) as StreamChunk | undefined).filter((c) => c !== undefined);
      const error = chunks.find((c) => c.error !== undefined);
      if (error) return fail(`error event ${said(t, errorCode(JSON.stringify(error)) ?? '', 60)}`.trim());
      const deltas = chunks.filter((c) => c.choices?.[0]?.delta?.content).length;
      const finish = chunks.map((c) => c.choices?.[0]?.finish_reason).find(Boolean);
      if (events.at(-1) !== 'data: [DONE]') return fail(`${deltas} chunks but no closing [DONE]`);
      if (deltas === 0) return fail('the stream carried no content');
      return pass(`200 event stream, ${deltas} chunks, first chunk after ${Math.round(a.firstChunkAt - a.sentAt)} ms, finish ${said(t, String(finish ?? '?'), 20)}, [DONE]`);
    },
  },
  {
    name: 'wrong token',
    async run(t, model) {
      const a = await post(t, '/v1/chat/completions', { ...withModel(model), messages: [{ role: 'user', content: 'hi' }] }, WRONG_TOKEN);
      if (a.status === 401) return pass(`401 ${said(t, errorCode(a.text) ?? '', 60)}`.trim());
      return fail(a.status === 200 ? '200: a wrong token was accepted' : `expected 401, got ${failure(t, a)}`);
    },
  },
  {
    name: 'metrics',
    async run(t) {
      const { a, url, found } = await metricsAnswer(t);
      if (a.status !== 200) return fail(`${a.status} from ${url}${a.status === 404 ? ' (served on an admin port? pass --metrics-url)' : ''}`);
      const present = new Set(a.text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => /^[a-zA-Z_:][\w:]*/.exec(l)?.[0]));
      const missing = t.config.series.filter((s) => !present.has(s));
      if (missing.length) return fail(`missing ${missing.join(', ')} (queried by the PrometheusRule)${found ? `; ${url}, ${found}` : ''}`);
      return pass(`all ${t.config.series.length} series the PrometheusRule queries: ${t.config.series.join(', ')}${found ? ` (${url}, ${found})` : ''}`);
    },
  },
  { name: 'log line', run: async (t) => logCheck(t) },
];

interface StreamChunk {
  error?: unknown;
  choices?: { delta?: { content?: string }; finish_reason?: string | null }[];
}

/** Lines this long are shown cut: the check is about the format, not the content. */
const SHOWN = 100;
const TAIL_BYTES = 64 * 1024;

/** The newest line of the service's log file, against the environment's log format. */
export function logCheck(t: Pick<FunctionalTarget, 'logsFile' | 'config' | 'token'>): Result {
  if (!t.logsFile) return { status: 'skip', detail: 'the logs are not reachable from here (--logs FILE checks the newest line)' };
  let text: string;
  try {
    text = tail(t.logsFile, TAIL_BYTES);
  } catch (e) {
    return fail(`cannot read ${t.logsFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const line = text.split('\n').filter((l) => l.trim() !== '').at(-1);
  if (line === undefined) return fail(`${t.logsFile} is empty`);
  // Never echo a credential, even one a misconfigured logger wrote.
  const shown = said(t, line, SHOWN);
  const ok = t.config.logFormat === 'json' ? isJsonLogLine(line) : new RegExp(LOG_LINE_PATTERN).test(line);
  const format = t.config.logFormat === 'json' ? 'a JSON line with time, level and msg' : "the guide's [time] [LEVEL] message format";
  return ok ? pass(shown) : fail(`not ${format}: ${shown}`);
}

/** The last `bytes` of a file (a log can be large; its newest line is at the end). */
function tail(file: string, bytes: number): string {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.min(size, bytes));
    readSync(fd, buffer, 0, buffer.length, size - buffer.length);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function isJsonLogLine(line: string): boolean {
  const v = json(line);
  return v !== undefined && typeof v.time === 'string' && typeof v.level === 'string' && typeof v.msg === 'string';
}

/**
 * Several models: each answers a request naming it, by itself — one that hands it to its fallback
 * is not answering, and fails its check. A configured fallback path is checked by its targets:
 * each is served and answers by itself, so the path leads somewhere when it is taken (a healthy
 * service takes it only when a model cannot answer).
 */
async function modelChecks(t: FunctionalTarget, models: NonNullable<FunctionalTarget['config']['models']>): Promise<Check[]> {
  const answered = new Map<string, boolean>();
  const checks: Check[] = [];
  for (const { id } of models) {
    try {
      const a = await post(t, '/v1/chat/completions', { model: id, ...GUIDE_REQUEST, max_tokens: t.config.load.maxTokens });
      let r = completion(t, a);
      if (r.status === 'pass' && a.model.id !== id) r = fail(`answered by ${a.model.id === null ? 'an unnamed model' : said(t, a.model.id)}${a.model.fallback ? ` through its fallback (${said(t, a.model.fallback)})` : ''}: ${id} itself did not answer`);
      answered.set(id, r.status === 'pass');
      checks.push({ name: `model ${id}`, status: r.status, detail: r.detail });
    } catch (e) {
      answered.set(id, false);
      checks.push({ name: `model ${id}`, ...fail(said(t, networkReason(e), 160)) });
    }
  }
  const paths = models.flatMap((m) => m.fallbacks.map((to) => ({ from: m.id, to })));
  if (paths.length) {
    const broken = paths.filter((p) => !answered.get(p.to));
    const shown = paths.map((p) => `${p.from} → ${p.to}`).join(', ');
    checks.push({ name: 'fallbacks', ...(broken.length ? fail(`${broken.map((p) => `${p.from} → ${p.to}`).join(', ')}: the fallback does not answer`) : pass(`${shown}: every fallback answers by itself`)) });
  }
  return checks;
}

/** Runs every check in order; throws UserError (exit 2) when the service cannot be reached at all. */
export async function functionalChecks(t: FunctionalTarget): Promise<{ checks: Check[]; model: string | undefined }> {
  const checks: Check[] = [];
  let model: string | undefined;
  for (const [i, step] of STEPS.entries()) {
    try {
      const r = await step.run(t, model);
      model ??= r.model;
      checks.push({ name: step.name, status: r.status, detail: r.detail });
    } catch (e) {
      if (i === 0 && isUnreachable(e)) throw new UserError(`cannot reach ${t.url}: ${networkReason(e)}`, 2);
      checks.push({ name: step.name, ...fail(said(t, networkReason(e), 160)) });
    }
  }
  if (t.config.models) checks.push(...(await modelChecks(t, t.config.models)));
  return { checks, model };
}
