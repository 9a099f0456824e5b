// `smartbot smoke --url URL [--token T | --token-file F] [--env E] …`: proves a deployment the
// way the deployment guide asks after the first rollout: a functional part (the guide's
// requests, each pass or fail with what it got), then a stress part bounded in time and
// requests, judged against the environment's own alert thresholds (monitoring.alerts).
// Exit 0 pass, 1 fail, 2 usage or unreachable. The token is never printed.
// The service image runs this file alone (containers/context.sh ships its import closure) as
// the post-sync Job: it imports no validation or generator code (but the dependency-free
// validation/format/safe-text.ts that escapes what a server said); cli/main.ts adds the
// repository reader for `--env NAME`.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isEntry, runMain } from '../contract/run-main.js';
import { maskSecrets } from '../contract/secrets.js';
import { parseDurationSeconds, type SmokeConfig } from '../contract/smoke-config.js';
import { runDeadline } from './http.js';
import { EXIT, UsageError, processIO, type CliIO } from './io.js';
import { functionalChecks, GUIDE_REQUEST } from './smoke/functional.js';
import { runLoad, type Progress } from './smoke/load.js';
import { formatSeconds, verdict, type SmokeOutcome } from './smoke/outcome.js';
import { FORMATS } from './smoke/report.js';
import { resolveTargets, type RepositoryReader } from './smoke/targets.js';

/**
 * The run fits its post-sync Job (a deadline of the duration + 120 s): each functional request
 * ends within 20 s and the functional part within 60 s; each stress request within 30 s, so the
 * stress part ends within its duration + 30 s. Total deadlines, not idle timeouts: a server that
 * sends a byte a second does not keep a request open.
 */
export const FUNCTIONAL_REQUEST_SECONDS = 20;
export const FUNCTIONAL_BUDGET_SECONDS = 60;
export const STRESS_REQUEST_SECONDS = 30;

export const smokeHelp = `Usage: smartbot smoke --url URL (--token T | --token-file F) [options]

Proves a running deployment: the deployment guide's functional checks (/readyz, the guide's
POST /api/v1/chat, /v1/chat/completions plain and streaming, /v1/models, a wrong token
answered 401, /metrics carrying every series the PrometheusRule queries, a log line), then a
stress test of streaming chats bounded in time and requests. It passes only if every check
passes and the measured p99 latency and error rate are within the environment's alert
thresholds (monitoring.alerts).

Options:
  --url URL            the service, e.g. http://127.0.0.1:18789
  --token T            API key or JWT with the chat scope (prefer --token-file: argv is visible)
  --token-file F       read the token from a file (a mounted Secret)
  --env E              whose thresholds: an environment name (environments/E.yaml, validated, or
                       rendered/E/kubernetes/smoke-config.yaml) or a smoke.json file (default dev)
  --metrics-url URL    where /metrics is served (default: URL/metrics, else the admin port the
                       service names in its 404, else the environment's ports.admin)
  --logs FILE          the service's log file: its newest line must be in the environment's format
  --duration D         stress duration, e.g. 30s, 2m (default: the environment's verify.duration)
  --concurrency N      requests in flight (default: verify.concurrency)
  --max-requests N     stop the stress part after N requests (default: verify.maxRequests)
  --format F           text (default), json, or github (::error annotations)
  --root DIR           repository root for --env NAME (default: the current directory)

Each functional request ends within ${FUNCTIONAL_REQUEST_SECONDS} s and the functional part within ${FUNCTIONAL_BUDGET_SECONDS} s; each
stress request within ${STRESS_REQUEST_SECONDS} s: the whole run within the duration + 120 s, the post-sync
Job's deadline. Answers are read up to 1 MiB (/metrics 8 MiB). Secrets a server echoes are masked.
Progress goes to stderr (elapsed, requests, errors, current p99); the report to stdout.
Exit codes: 0 pass, 1 fail, 2 usage error or the service unreachable.
`;

export interface SmokeOptions {
  /** Reads --env NAME from the repository (the full CLI; absent in the service image). */
  fromRepository?: RepositoryReader;
}

/** Upper bounds that keep a mistyped option from running for hours. */
const MAX_DURATION_SECONDS = 3600;
const MAX_CONCURRENCY = 1024;
// The load generator keeps every latency: 1M requests are 16 MB, within the Job's 256 MiB.
const MAX_REQUESTS = 1_000_000;

function positiveInt(value: string | undefined, option: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${option} must be an integer from 1 to ${max}, got "${value}"`);
  return n;
}

function baseUrl(value: string | undefined, option: string): string {
  if (!value) throw new UsageError(`${option} is required (e.g. ${option} http://127.0.0.1:18789)`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${option} "${value}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${option} must be http:// or https://, got ${url.protocol}`);
  return url.href.replace(/\/+$/, '');
}

function readToken(values: { token?: string | undefined; 'token-file'?: string | undefined }): string {
  if (values.token !== undefined && values['token-file'] !== undefined) throw new UsageError('give --token or --token-file, not both');
  let token = values.token;
  const file = values['token-file'];
  if (file !== undefined) {
    try {
      token = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read --token-file ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
  }
  if (token === undefined) throw new UsageError('needs a token: --token-file FILE (or --token T), an API key or JWT with the chat scope');
  token = token.trim();
  if (!token) throw new UsageError(file ? `--token-file ${file} is empty` : '--token is empty');
  if (/\s/.test(token)) throw new UsageError(file ? `--token-file ${file} holds more than one word; it must hold only the token` : '--token holds whitespace');
  return token;
}

/** The stress part's settings: options over the environment's verify block. */
function loadSettings(values: { duration?: string | undefined; concurrency?: string | undefined; 'max-requests'?: string | undefined }, config: SmokeConfig) {
  let durationSeconds = config.load.durationSeconds;
  if (values.duration !== undefined) {
    const d = parseDurationSeconds(values.duration);
    if (d === undefined || d <= 0 || d > MAX_DURATION_SECONDS) throw new UsageError(`--duration must be like 30s, 2m or 1500ms, at most 1h; got "${values.duration}"`);
    durationSeconds = d;
  }
  return {
    durationSeconds,
    concurrency: positiveInt(values.concurrency, '--concurrency', MAX_CONCURRENCY) ?? config.load.concurrency,
    maxRequests: positiveInt(values['max-requests'], '--max-requests', MAX_REQUESTS) ?? config.load.maxRequests,
  };
}

export async function smokeCommand(argv: string[], io: CliIO, opts: SmokeOptions = {}): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      env: { type: 'string' },
      'metrics-url': { type: 'string' },
      logs: { type: 'string' },
      duration: { type: 'string' },
      concurrency: { type: 'string' },
      'max-requests': { type: 'string' },
      format: { type: 'string' },
      root: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return io.out(smokeHelp), EXIT.ok;
  const format = values.format ?? 'text';
  const render = FORMATS[format];
  if (!render) throw new UsageError(`unknown --format "${format}" (use ${Object.keys(FORMATS).join(', ')})`);
  const url = baseUrl(values.url, '--url');
  const metricsUrl = values['metrics-url'] === undefined ? undefined : baseUrl(values['metrics-url'], '--metrics-url');
  const token = readToken(values);
  const targets = resolveTargets(values.env ?? 'dev', values.root ?? '.', opts.fromRepository);
  const load = loadSettings(values, targets.config);
  // Belt and braces: whatever a server echoes, no secret (the token first) reaches the output.
  const scrub = (text: string) => maskSecrets(text, [token]);
  const out = (text: string) => io.out(scrub(text));
  const err = (text: string) => io.err(scrub(text));

  const functional = runDeadline(FUNCTIONAL_BUDGET_SECONDS * 1000);
  const { checks, model } = await functionalChecks({
    url,
    ...(metricsUrl ? { metricsUrl } : {}),
    ...(targets.ports ? { ports: targets.ports } : {}),
    token,
    config: targets.config,
    ...(values.logs === undefined ? {} : { logsFile: values.logs }),
    requestSeconds: FUNCTIONAL_REQUEST_SECONDS,
    deadline: functional.signal,
  }).finally(functional.clear);

  let stress: SmokeOutcome['stress'] = { skipped: 'the functional part failed' };
  if (checks.every((c) => c.status !== 'fail')) {
    const maxTokens = targets.config.load.maxTokens;
    // The guide's request (temperature 0.7, so a response cache cannot answer it), streamed.
    const body = JSON.stringify({ ...(model ? { model } : {}), ...GUIDE_REQUEST, max_tokens: maxTokens, stream: true });
    const tty = io === processIO && Boolean(process.stderr.isTTY);
    const result = await runLoad({
      url: new URL(`${url}/v1/chat/completions`),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      body,
      ...load,
      timeoutSeconds: STRESS_REQUEST_SECONDS,
      onProgress: (p) => err(progressLine(p, load.durationSeconds, tty)),
      // A terminal line rewrites itself every second; a log (the Job's) gets a line every 5 s.
      progressSeconds: tty ? 1 : 5,
    });
    if (tty) err('\n');
    stress = { ...result, maxTokens };
  }

  const outcome: SmokeOutcome = {
    url,
    environment: targets.config.environment,
    thresholdsFrom: targets.source,
    thresholds: targets.config.thresholds,
    functional: checks,
    stress,
    verdict: verdict(checks, stress, targets.config.thresholds),
  };
  out(render(outcome));
  return outcome.verdict.pass ? EXIT.ok : EXIT.invalid;
}

/** One line; on a terminal it rewrites itself in place. */
function progressLine(p: Progress, durationSeconds: number, tty: boolean): string {
  const finishing = p.elapsedSeconds > durationSeconds && p.inFlight > 0 ? `, waiting for ${p.inFlight} in flight` : '';
  const line = `smoke: ${p.elapsedSeconds.toFixed(1)}/${durationSeconds} s, ${p.requests} requests, ${p.errors} errors, p99 ${p.p99 === undefined ? '—' : formatSeconds(p.p99)}${finishing}`;
  return tty ? `\r\x1b[K${line}` : `${line}\n`;
}

// The service image runs this file alone as the post-sync Job's command.
if (isEntry(import.meta.url))
  runMain('smartbot smoke', async (argv) => {
    try {
      return await smokeCommand(argv, processIO);
    } catch (e) {
      // cli/main.ts words these for the full CLI; alone, say them as the usage errors they are.
      if ((e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError((e as Error).message);
      throw e;
    }
  });
