// A local stand-in for api.github.com that holds every request to GitHub's published REST
// description (@octokit/openapi: generated/api.github.com.json, OpenAPI 3.0.3; only that file
// is loaded, once per process) and answers with schema-valid responses.
//
//   const gh = await startGitHubApi({ tokens: { 'tok': { login: 'github-actions[bot]', type: 'Bot' } } });
//   gh.addRepo('octo/smartbot'); gh.addPull('octo/smartbot', 7, 'abc…');
//   new Octokit({ auth: 'tok', baseUrl: gh.url });  …
//   gh.state.comments / labels / issueLabels / statuses      what the client left behind
//   gh.requests                                               every request: method, path, operationId, status
//   gh.failNext('issues/create-comment', { status: 502 })     inject failures (times, headers, body)
//   gh.barrier('issues/list-comments', 2)                     hold the first 2 such requests until both arrived
//   gh.handle('git/create-ref', (req, gh) => ({ status: 201, body: {…} }))   add an operation
//   gh.assertClean()                                          throws listing every violation
//   await gh.close()
//
// A request the description does not allow (unknown path or method, a bad path or query
// parameter, a body that fails its schema, a missing required parameter) is answered 400 and
// recorded as a violation, as is an operation without a handler (501), or a response of the
// fake's own that fails its schema; assertClean() makes the test fail on any of them.
// Response bodies start from a minimal instance generated from the schema (required fields
// only, null where allowed) with the handler's fields on top, and are validated before sending.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import AjvModule, { type ValidateFunction } from 'ajv';
import Bottleneck from 'bottleneck';
import addFormatsModule from 'ajv-formats';
import { afterEach, beforeEach } from 'vitest';
import { repoRoot } from './env.js';

// ajv and ajv-formats are CommonJS; under NodeNext their default export is the module object.
const Ajv = AjvModule.default ?? (AjvModule as unknown as typeof AjvModule.default);
const addFormats = addFormatsModule.default ?? (addFormatsModule as unknown as typeof addFormatsModule.default);

type Schema = Record<string, unknown>;

interface Operation {
  id: string;
  method: string;
  template: string;
  pattern: RegExp;
  /** Path parameter names in order. */
  names: string[];
  literals: number;
  op: Schema;
}

export interface ApiRequest {
  method: string;
  path: string;
  operationId: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  /** The caller, from its token. */
  user: User;
}

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: ApiRequest, gh: GitHubApi) => ApiResponse | Promise<ApiResponse>;

export interface User {
  login: string;
  type: 'User' | 'Bot';
}

export interface Comment {
  id: number;
  repo: string;
  issue: number;
  body: string;
  user: User;
  created_at: string;
  updated_at: string;
}

export interface CommitStatus {
  repo: string;
  sha: string;
  state: string;
  description?: string | null;
  context: string;
  target_url?: string | null;
}

export interface Label {
  id: number;
  name: string;
  color: string;
  description: string | null;
}

// ---- the description, loaded once ------------------------------------------------------------

interface Description {
  operations: Operation[];
  byId: Map<string, Operation>;
  ajv: InstanceType<typeof Ajv>;
  coercing: InstanceType<typeof Ajv>;
  doc: { components: { schemas: Record<string, Schema>; parameters: Record<string, Schema>; responses: Record<string, Schema> } };
}

let description: Description | undefined;

/** OpenAPI 3.0 → what ajv (JSON Schema draft-07) reads: `nullable` becomes a null type, refs point into the registered document. */
function normalise(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalise);
  if (!node || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'example' || k === 'examples' || k === 'description') continue;
    out[k] = k === '$ref' && typeof v === 'string' ? v.replace(/^#\//, 'gh#/') : normalise(v);
  }
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
      return out;
    }
    return { anyOf: [out, { type: 'null' }] };
  }
  delete out.nullable;
  return out;
}

function loadDescription(): Description {
  if (description) return description;
  // Resolved from this repository's dependencies; the package holds 385 MB, only this file is read.
  const file = join(createRequire(join(repoRoot, 'package.json')).resolve('@octokit/openapi/package.json'), '..', 'generated', 'api.github.com.json');
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { paths: Record<string, Record<string, Schema>>; components: Schema };
  const doc = { components: normalise(raw.components) } as Description['doc'];
  const make = (coerceTypes: boolean) => {
    const ajv = new Ajv({ strict: false, allErrors: false, coerceTypes, validateSchema: false });
    addFormats(ajv);
    // GitHub's own formats: not checked beyond their type.
    ajv.addFormat('repo.nwo', true).addFormat('timestamp', true);
    ajv.addSchema({ $id: 'gh', ...doc });
    return ajv;
  };
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(raw.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (typeof op !== 'object' || !op.operationId) continue;
      const names: string[] = [];
      const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{([^}]+)\\?\}/g, (_m, name: string) => (names.push(name), '([^/]+)'));
      operations.push({
        id: op.operationId as string,
        method: method.toUpperCase(),
        template,
        pattern: new RegExp(`^${source}$`),
        names,
        literals: template.split('/').filter((s) => s && !s.startsWith('{')).length,
        op: normalise(op) as Schema,
      });
    }
  }
  // The most literal template wins: /issues/comments/{id} before /issues/{issue_number}/….
  operations.sort((a, b) => b.literals - a.literals);
  description = { operations, byId: new Map(operations.map((o) => [o.id, o])), ajv: make(false), coercing: make(true), doc };
  return description;
}

const deref = (d: Description, s: Schema | undefined): Schema | undefined => {
  let cur = s;
  for (let i = 0; cur && typeof cur.$ref === 'string' && i < 10; i++) {
    const [, kind, name] = /^gh#\/components\/(\w+)\/(.+)$/.exec(cur.$ref as string) ?? [];
    cur = (d.doc.components as Record<string, Record<string, Schema>>)[kind!]?.[name!];
  }
  return cur;
};

const validators = new WeakMap<Schema, ValidateFunction>();
function validatorFor(ajv: InstanceType<typeof Ajv>, schema: Schema): ValidateFunction {
  let v = validators.get(schema);
  if (!v) validators.set(schema, (v = ajv.compile(schema)));
  return v;
}

const describeErrors = (v: ValidateFunction) => (v.errors ?? []).slice(0, 3).map((e) => `${e.instancePath || '(root)'} ${e.message}`).join('; ');

/** A minimal instance of a schema: required properties only, null where null is allowed. */
export function sampleOf(schema: Schema | undefined, d = loadDescription(), depth = 0): unknown {
  const s = deref(d, schema) ?? {};
  if (depth > 40) return null;
  const branches = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (branches) {
    if (branches.some((b) => deref(d, b)?.type === 'null')) return null;
    return sampleOf(branches[0], d, depth + 1);
  }
  if (s.allOf) return Object.assign({}, ...(s.allOf as Schema[]).map((b) => sampleOf(b, d, depth + 1)));
  const types = ([] as unknown[]).concat(s.type ?? (s.properties ? 'object' : 'string'));
  if (types.includes('null')) return null;
  if (Array.isArray(s.enum)) return s.enum[0];
  switch (types[0]) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, Schema>;
      return Object.fromEntries(((s.required ?? []) as string[]).map((k) => [k, sampleOf(props[k], d, depth + 1)]));
    }
    case 'array':
      return Array.from({ length: Number(s.minItems ?? 0) }, () => sampleOf(s.items as Schema, d, depth + 1));
    case 'integer':
    case 'number':
      return Number(s.minimum ?? 1);
    case 'boolean':
      return false;
    default:
      return (
        { 'date-time': '2026-01-01T00:00:00Z', date: '2026-01-01', uri: 'https://api.github.com/', 'uri-template': 'https://api.github.com/{x}', email: 'octocat@example.com' }[s.format as string] ?? 'x'
      );
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
function overlay(base: unknown, top: unknown): unknown {
  if (!isObj(base) || !isObj(top)) return top === undefined ? base : top;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(top)) out[k] = overlay(base[k], v);
  return out;
}

/** Client options for tests: the same plugins, without GitHub's one-second spacing of writes and with millisecond retry waits. */
export const fastClient = () => ({
  retryAfterBaseMs: 1,
  throttle: { write: new Bottleneck.Group({ maxConcurrent: 1, minTime: 0 }), notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: 0 }), id: `t${Math.random()}` },
});

// ---- the fake -----------------------------------------------------------------------------------

export interface GitHubApiOptions {
  /** token → the user it authenticates. Default: { 'test-token': github-actions[bot] }. */
  tokens?: Record<string, User>;
}

export interface GitHubApi {
  url: string;
  state: { repos: Set<string>; pulls: Map<string, { head: string }>; comments: Map<number, Comment>; labels: Map<string, Map<string, Label>>; issueLabels: Map<string, Set<string>>; statuses: CommitStatus[] };
  requests: { method: string; path: string; operationId?: string; status: number }[];
  violations: string[];
  addRepo(repo: string): void;
  addPull(repo: string, number: number, headSha: string): void;
  addComment(repo: string, issue: number, body: string, user: User): Comment;
  failNext(operationId: string, response: ApiResponse & { times?: number }): void;
  barrier(operationId: string, parties: number): void;
  handle(operationId: string, handler: Handler): void;
  /** A schema-valid body for an operation's response, with `fields` on top. */
  respond(operationId: string, status: number, fields?: unknown): ApiResponse;
  assertClean(): void;
  close(): Promise<void>;
}

/** A components/schemas instance: the schema's minimal sample with `fields` on top. */
const fill = (name: string, fields: Record<string, unknown>) => overlay(sampleOf({ $ref: `gh#/components/schemas/${name}` }), fields);

const userJson = (u: User) =>
  fill('simple-user', {
    login: u.login,
    id: 41898282,
    type: u.type,
    node_id: `U_${u.login}`,
    html_url: `https://github.com/${encodeURIComponent(u.login)}`,
    url: `https://api.github.com/users/${encodeURIComponent(u.login)}`,
  });

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export async function startGitHubApi(opts: GitHubApiOptions = {}): Promise<GitHubApi> {
  const d = loadDescription();
  const tokens = opts.tokens ?? { 'test-token': { login: 'github-actions[bot]', type: 'Bot' } };
  const handlers = new Map<string, Handler>();
  const failures = new Map<string, (ApiResponse & { times?: number })[]>();
  const barriers = new Map<string, { parties: number; waiting: (() => void)[] }>();
  let nextId = 1000;
  let server: Server;

  const gh: GitHubApi = {
    url: '',
    state: { repos: new Set(), pulls: new Map(), comments: new Map(), labels: new Map(), issueLabels: new Map(), statuses: [] },
    requests: [],
    violations: [],
    addRepo: (repo) => void gh.state.repos.add(repo),
    addPull(repo, number, head) {
      gh.addRepo(repo);
      gh.state.pulls.set(`${repo}#${number}`, { head });
    },
    addComment(repo, issue, body, user) {
      const c: Comment = { id: nextId++, repo, issue, body, user, created_at: now(), updated_at: now() };
      gh.state.comments.set(c.id, c);
      return c;
    },
    failNext(operationId, response) {
      failures.set(operationId, [...(failures.get(operationId) ?? []), ...Array.from({ length: response.times ?? 1 }, () => response)]);
    },
    barrier(operationId, parties) {
      barriers.set(operationId, { parties, waiting: [] });
    },
    handle: (operationId, handler) => void handlers.set(operationId, handler),
    respond(operationId, status, fields) {
      const op = d.byId.get(operationId);
      const schema = op && responseSchema(op, status);
      return { status, body: overlay(sampleOf(schema, d), fields) };
    },
    assertClean() {
      if (gh.violations.length) throw new Error(`requests or responses outside GitHub's REST description:\n- ${gh.violations.join('\n- ')}`);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  const repoOf = (p: Record<string, string>) => `${p.owner}/${p.repo}`;
  const notFound = (): ApiResponse => ({ status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' } });
  const commentJson = (c: Comment) =>
    fill('issue-comment', {
    id: c.id,
    node_id: `IC_${c.id}`,
    body: c.body,
    user: userJson(c.user),
    created_at: c.created_at,
    updated_at: c.updated_at,
    html_url: `https://github.com/${c.repo}/pull/${c.issue}#issuecomment-${c.id}`,
    issue_url: `https://api.github.com/repos/${c.repo}/issues/${c.issue}`,
    url: `https://api.github.com/repos/${c.repo}/issues/comments/${c.id}`,
    author_association: 'NONE',
  });
  const labelJson = (repo: string, l: Label) => fill('label', { ...l, node_id: `LA_${l.id}`, url: `https://api.github.com/repos/${repo}/labels/${encodeURIComponent(l.name)}`, default: false });
  const labelsOf = (repo: string) => gh.state.labels.get(repo) ?? (gh.state.labels.set(repo, new Map()), gh.state.labels.get(repo)!);
  const issueLabels = (repo: string, n: string) => gh.state.issueLabels.get(`${repo}#${n}`) ?? (gh.state.issueLabels.set(`${repo}#${n}`, new Set()), gh.state.issueLabels.get(`${repo}#${n}`)!);
  const issueExists = (repo: string, n: string) => gh.state.pulls.has(`${repo}#${n}`);

  // The operations pr-comment uses; more with gh.handle().
  const builtIn: Record<string, Handler> = {
    'pulls/get': (r) => {
      const pull = gh.state.pulls.get(`${repoOf(r.params)}#${r.params.pull_number}`);
      if (!pull) return notFound();
      return gh.respond('pulls/get', 200, { number: Number(r.params.pull_number), state: 'open', head: { sha: pull.head, ref: 'change', label: 'octo:change' }, base: { ref: 'main', label: 'octo:main', sha: '0'.repeat(40) } });
    },
    'issues/list-comments': (r) => {
      if (!issueExists(repoOf(r.params), r.params.issue_number!)) return notFound();
      const all = [...gh.state.comments.values()].filter((c) => c.repo === repoOf(r.params) && String(c.issue) === r.params.issue_number).sort((a, b) => a.id - b.id);
      const perPage = Math.min(100, Number(r.query.get('per_page') ?? 30));
      const page = Number(r.query.get('page') ?? 1);
      const headers: Record<string, string> = {};
      if (page * perPage < all.length) headers.link = `<${gh.url}${r.path}?per_page=${perPage}&page=${page + 1}>; rel="next"`;
      return { status: 200, body: all.slice((page - 1) * perPage, page * perPage).map(commentJson), headers };
    },
    'issues/create-comment': (r) => {
      const repo = repoOf(r.params);
      if (!issueExists(repo, r.params.issue_number!)) return notFound();
      const c = gh.addComment(repo, Number(r.params.issue_number), (r.body as { body: string }).body, r.user);
      return { status: 201, body: commentJson(c) };
    },
    'issues/update-comment': (r) => {
      const c = gh.state.comments.get(Number(r.params.comment_id));
      if (!c || c.repo !== repoOf(r.params)) return notFound();
      if (c.user.login !== r.user.login) return { status: 403, body: { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest', status: '403' } };
      c.body = (r.body as { body: string }).body;
      c.updated_at = now();
      return { status: 200, body: commentJson(c) };
    },
    'issues/delete-comment': (r) => {
      const c = gh.state.comments.get(Number(r.params.comment_id));
      if (!c || c.repo !== repoOf(r.params)) return notFound();
      gh.state.comments.delete(c.id);
      return { status: 204 };
    },
    'issues/get-label': (r) => {
      const l = gh.state.labels.get(repoOf(r.params))?.get(r.params.name!);
      return l ? { status: 200, body: labelJson(repoOf(r.params), l) } : notFound();
    },
    'issues/create-label': (r) => {
      const repo = repoOf(r.params);
      const body = r.body as { name: string; color?: string; description?: string };
      if (labelsOf(repo).has(body.name))
        return { status: 422, body: { message: 'Validation Failed', errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }], documentation_url: 'https://docs.github.com/rest' } };
      const l: Label = { id: nextId++, name: body.name, color: body.color ?? 'ededed', description: body.description ?? null };
      labelsOf(repo).set(l.name, l);
      return { status: 201, body: labelJson(repo, l) };
    },
    'issues/add-labels': (r) => {
      const repo = repoOf(r.params);
      if (!issueExists(repo, r.params.issue_number!)) return notFound();
      const names = ((r.body as { labels: (string | { name: string })[] }).labels ?? []).map((l) => (typeof l === 'string' ? l : l.name));
      const set = issueLabels(repo, r.params.issue_number!);
      for (const n of names) {
        // Like GitHub: a label that does not exist yet is created with the default colour.
        if (!labelsOf(repo).has(n)) labelsOf(repo).set(n, { id: nextId++, name: n, color: 'ededed', description: null });
        set.add(n);
      }
      return { status: 200, body: [...set].map((n) => labelJson(repo, labelsOf(repo).get(n)!)) };
    },
    'issues/list-labels-on-issue': (r) => {
      const repo = repoOf(r.params);
      if (!issueExists(repo, r.params.issue_number!)) return notFound();
      return { status: 200, body: [...issueLabels(repo, r.params.issue_number!)].map((n) => labelJson(repo, labelsOf(repo).get(n)!)) };
    },
    'issues/remove-label': (r) => {
      const repo = repoOf(r.params);
      const set = issueLabels(repo, r.params.issue_number!);
      if (!set.delete(r.params.name!)) return { status: 404, body: { message: 'Label does not exist', documentation_url: 'https://docs.github.com/rest', status: '404' } };
      return { status: 200, body: [...set].map((n) => labelJson(repo, labelsOf(repo).get(n)!)) };
    },
    'repos/create-commit-status': (r) => {
      const body = r.body as Omit<CommitStatus, 'repo' | 'sha'>;
      const s: CommitStatus = { repo: repoOf(r.params), sha: r.params.sha!, state: body.state, context: body.context ?? 'default', description: body.description ?? null, target_url: body.target_url ?? null };
      gh.state.statuses.push(s);
      return gh.respond('repos/create-commit-status', 201, { ...s, id: nextId++, creator: userJson(r.user), created_at: now(), updated_at: now(), url: `https://api.github.com/repos/${s.repo}/statuses/${s.sha}` });
    },
  };
  for (const [id, h] of Object.entries(builtIn)) handlers.set(id, h);

  server = createServer((req, res) => {
    void serve(req).then(({ status, body, headers }) => {
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'x-github-request-id': `FAKE:${gh.requests.length}`,
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '4999',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
        ...headers,
      });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    });
  });

  async function serve(req: IncomingMessage): Promise<ApiResponse> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const record = (status: number, operationId?: string) => gh.requests.push({ method, path: url.pathname, ...(operationId ? { operationId } : {}), status });
    const reject = (why: string, status = 400): ApiResponse => {
      gh.violations.push(`${method} ${url.pathname}${url.search}: ${why}`);
      record(status);
      return { status, body: { message: `smartbot test server: ${why}`, documentation_url: 'https://docs.github.com/rest' } };
    };

    // Which operation: method and path against every template (percent-decoded parameters).
    let op: Operation | undefined;
    let params: Record<string, string> = {};
    for (const o of d.operations) {
      if (o.method !== method) continue;
      const m = o.pattern.exec(url.pathname);
      if (!m) continue;
      op = o;
      params = Object.fromEntries(o.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
      break;
    }
    if (!op) return reject(`no operation in the REST description for ${method} ${url.pathname}`, 404);

    // Parameters: every path and query parameter declared, typed, and the required ones present.
    const declared = ((op.op.parameters ?? []) as Schema[]).map((p) => deref(d, p)!);
    for (const key of new Set(url.searchParams.keys())) if (!declared.some((p) => p.in === 'query' && p.name === key)) return reject(`query parameter "${key}" is not in ${op.id}`);
    for (const p of declared) {
      const value = p.in === 'path' ? params[p.name as string] : p.in === 'query' ? (url.searchParams.get(p.name as string) ?? undefined) : undefined;
      if (value === undefined) {
        if (p.required && p.in !== 'header') return reject(`required ${String(p.in)} parameter "${String(p.name)}" is missing`);
        continue;
      }
      const check = validatorFor(d.coercing, { type: 'object', properties: { v: p.schema as Schema } });
      if (!check({ v: value })) return reject(`${String(p.in)} parameter "${String(p.name)}"=${JSON.stringify(value)}: ${describeErrors(check)}`);
    }

    // Body: JSON, against the operation's request schema; none where it takes none.
    const content = (deref(d, op.op.requestBody as Schema | undefined)?.content ?? undefined) as Record<string, { schema: Schema }> | undefined;
    let body: unknown;
    if (raw !== '') {
      if (!content) return reject(`${op.id} takes no request body`);
      try {
        body = JSON.parse(raw);
      } catch {
        return reject('request body is not JSON');
      }
      const schema = content['application/json']?.schema;
      if (!schema) return reject(`${op.id} takes no JSON body`);
      const check = validatorFor(d.ajv, schema);
      if (!check(body)) return reject(`request body fails ${op.id}'s schema: ${describeErrors(check)}`);
    } else if ((deref(d, op.op.requestBody as Schema | undefined) as { required?: boolean } | undefined)?.required) return reject(`${op.id} requires a request body`);

    // The caller.
    const token = /^(?:token|bearer) (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const user = token ? tokens[token] : undefined;
    if (!user) return record(401, op.id), { status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' } };

    // Races: hold the first `parties` requests until they have all arrived.
    const gate = barriers.get(op.id);
    if (gate && gate.parties > 0) {
      gate.parties--;
      await new Promise<void>((resolve) => {
        gate.waiting.push(resolve);
        if (gate.parties === 0) gate.waiting.forEach((w) => w());
      });
    }

    const injected = failures.get(op.id)?.shift();
    let answer: ApiResponse;
    if (injected) answer = injected;
    else if (!gh.state.repos.has(`${params.owner}/${params.repo}`) && 'owner' in params) answer = notFound();
    else {
      const handler = handlers.get(op.id);
      if (!handler) return reject(`no handler for ${op.id} in the test server (add one with gh.handle)`, 501);
      answer = await handler({ method, path: url.pathname, operationId: op.id, params, query: url.searchParams, body, user }, gh);
    }
    record(answer.status, op.id);
    checkResponse(op, answer);
    return answer;
  }

  function responseSchema(op: Operation, status: number): Schema | undefined {
    const responses = (op.op.responses ?? {}) as Record<string, Schema>;
    const r = deref(d, responses[String(status)] ?? responses[`${String(status)[0]}XX`]);
    const schema = (r?.content as Record<string, { schema?: Schema }> | undefined)?.['application/json']?.schema;
    return schema ?? (status >= 400 ? { $ref: 'gh#/components/schemas/basic-error' } : undefined);
  }

  function checkResponse(op: Operation, answer: ApiResponse): void {
    const schema = responseSchema(op, answer.status);
    if (!schema || answer.body === undefined) return;
    const check = validatorFor(d.ajv, schema);
    if (!check(answer.body)) gh.violations.push(`the test server's ${answer.status} answer to ${op.id} fails its schema: ${describeErrors(check)}`);
  }

  await new Promise<void>((resolve) => (server = server.listen(0, '127.0.0.1', resolve)));
  gh.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return gh;
}


/**
 * A fresh server for each test of the calling file: started with `opts`, handed to `onStart`
 * (seed it there), GITHUB_API_URL pointed at it; after each test it is closed and every request
 * the client sent must have been one the REST description allows.
 */
export function githubApiPerTest(opts: GitHubApiOptions, onStart: (gh: GitHubApi) => void): void {
  let gh: GitHubApi;
  beforeEach(async () => {
    gh = await startGitHubApi(opts);
    onStart(gh);
    process.env.GITHUB_API_URL = gh.url;
  });
  afterEach(async () => {
    await gh.close();
    gh.assertClean();
  });
}
