// Building blocks for service tests: a service config from the rendered dev ConfigMap, a
// keyring on disk with fresh keys, signing keys, a scripted engine, a log sink, all of them
// together as the deps of an app; and the real service on the demo model, in-process.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { generateSigningKeys, JwtVerifier, keyId, type JwtConfig, type JwtKey } from '../../contract/jwt.js';
import { formatKeyring, mintApiKey, type KeyEntry } from '../../contract/keyring-file.js';
import { JWT_DEFAULTS } from '../../contract/service-config.js';
import { keyringAuth } from '../../service/src/auth/authenticate.js';
import { Keyring } from '../../service/src/auth/keyring.js';
import type { ResponseCache } from '../../service/src/cache.js';
import type { ServiceConfig } from '../../service/src/config.js';
import type { ServiceDeps } from '../../service/src/deps.js';
import { Slots } from '../../service/src/engine/slots.js';
import { Lifecycle } from '../../service/src/lifecycle.js';
import { startService, type RunningService, type StartOptions } from '../../service/src/service.js';
import { ModelRouter } from '../../service/src/model-router.js';
import { buildDemoModel, DEMO_MODEL_FILE } from '../../gguf/demo-model.js';
import type { ChatEngine, ChatRequest, ChatResult, Readiness } from '../../service/src/engine/types.js';
import type { ApiError } from '../../service/src/errors.js';
import type { ToolCall } from '../../service/src/openai-wire.js';
import { createLogger, type Logger } from '../../service/src/telemetry/logger.js';
import { createMetrics } from '../../service/src/telemetry/metrics.js';
import { repoRoot } from './env.js';
import { tempDir } from './temp.js';

/** The service config exactly as rendered into rendered/<env>/kubernetes/configmap.yaml. */
export function renderedRuntimeConfig(env: string): ServiceConfig {
  const cm = parse(readFileSync(join(repoRoot, 'rendered', env, 'kubernetes/configmap.yaml'), 'utf8'));
  return JSON.parse(cm.data['runtime.json']) as ServiceConfig;
}

export function tempKeyring(entries: KeyEntry[] = []) {
  const dir = tempDir('smartbot-keyring-');
  const file = join(dir, 'keyring.json');
  const write = (keys: KeyEntry[]) => writeFileSync(file, formatKeyring(keys));
  write(entries);
  return { file, write };
}

/** A JWT signing key pair and its kid (the JWK thumbprint). */
export function signingKey() {
  const pair = generateSigningKeys();
  return { ...pair, kid: keyId(pair.publicKeyPem) };
}

let generation = 0;
/** A chat key, an admin key and a signing key; each call's keys are new generations (ids stay unique in one keyring). */
export function freshKeys() {
  generation += 1;
  const chat = mintApiKey('ci-chat', ['chat'], { id: `ci-chat.${generation}` });
  const admin = mintApiKey('ci-admin', ['admin'], { id: `ci-admin.${generation}` });
  return { chat, admin, signing: signingKey() };
}

/** The service's JWT settings for these signing keys (the first active unless stated). */
export function jwtConfig(keys: (ReturnType<typeof signingKey> & Partial<Pick<JwtKey, 'status' | 'retiresAt'>>)[], extra: Partial<JwtConfig> = {}): JwtConfig {
  return {
    ...JWT_DEFAULTS,
    keys: keys.map((k) => ({ kid: k.kid, publicKey: k.publicKeyPem, status: k.status ?? 'active', ...(k.retiresAt ? { retiresAt: k.retiresAt } : {}) })),
    ...extra,
  };
}

export function logSink(level: 'debug' | 'info' = 'info'): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { lines, log: createLogger({ format: 'line', level, write: (l) => lines.push(l) }) };
}

/** An engine that answers from a script, for route tests that need no model. */
export class ScriptedEngine implements ChatEngine {
  constructor(
    readonly modelId = 'scripted',
    readonly source: 'local' | 'remote' = 'local',
  ) {}
  calls: ChatRequest[] = [];
  readinessState: Readiness = { ready: true };
  reply = 'Hello from the script.';
  /** When set, the answer is these tool calls (finish_reason tool_calls). */
  toolCalls: ToolCall[] | undefined;
  fail: ApiError | undefined;
  /** Thrown before the answer starts (an upstream that refused the request): another model may answer. */
  failBeforeStart: ApiError | undefined;
  /** Thrown by prepare(), as the local engine refuses a prompt over the context. */
  refuse: ApiError | undefined;
  depth = 0;
  /** When set, each request holds one of these slots while it answers (as the local engine does). */
  slots: Slots<string> | undefined;
  /** When set, each answer waits for it (or for its request's abort) before it starts. */
  gate: Promise<void> | undefined;

  async readiness() {
    return this.readinessState;
  }
  queueDepth() {
    return this.depth;
  }
  busySequences() {
    return this.slots?.busy ?? 0;
  }
  async prepare() {
    if (this.refuse) throw this.refuse;
  }
  checkCapacity() {
    this.slots?.checkCapacity();
  }
  async chat(req: ChatRequest, onDelta?: (t: string) => void, onStart?: () => void): Promise<ChatResult> {
    this.calls.push(req);
    if (this.failBeforeStart) throw this.failBeforeStart;
    // As the local engine: the answer starts at once, then it queues.
    onStart?.();
    const slot = await this.slots?.acquire(req.signal);
    try {
      if (this.gate) await Promise.race([this.gate, new Promise((_, reject) => req.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }))]);
    } finally {
      if (slot !== undefined) this.slots!.release(slot);
    }
    if (this.fail) throw this.fail;
    const usage = (n: number) => ({ prompt_tokens: 7, completion_tokens: n, total_tokens: 7 + n });
    if (this.toolCalls) return { content: null, toolCalls: this.toolCalls, finishReason: 'tool_calls', usage: usage(5) };
    const words = this.reply.split(/(?= )/);
    for (const w of words) onDelta?.(w);
    return { content: this.reply, finishReason: 'stop', usage: usage(words.length) };
  }
  async close() {}
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (nothing listens there now), with the
 * `span - 1` ports after it free too (the runtime's llama-servers listen on the ports after its
 * own). Picked below the kernel's ephemeral range (32768–60999): a port the OS hands out is also
 * what every outgoing connection binds, so under a load test's connection churn a port chosen
 * that way was taken again before the server under test bound it.
 */
export async function freePort(span = 1): Promise<number> {
  const bind = (port: number) =>
    new Promise<Server | undefined>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(undefined));
      s.listen(port, '127.0.0.1', () => resolve(s));
    });
  for (let attempt = 0; attempt < 100; attempt++) {
    const first = 20_000 + Math.floor(Math.random() * (12_000 - span));
    const held: Server[] = [];
    for (let i = 0; i < span; i++) {
      const s = await bind(first + i);
      if (!s) break;
      held.push(s);
    }
    await Promise.all(held.map((s) => new Promise<void>((r) => s.close(() => r()))));
    if (held.length === span) return first;
  }
  throw new Error(`no ${span} free consecutive ports between 20000 and 32000 on 127.0.0.1`);
}

/**
 * The deps of an app under test: the rendered dev config on an ephemeral loopback port, a
 * keyring on disk with a chat and an admin key (polled every 100 ms), a JWT key pair, a scripted
 * engine, an in-memory cache and a log sink. close() stops the keyring watcher.
 */
export function scriptedDeps(keys = freshKeys()) {
  const ring = tempKeyring([keys.chat.entry, keys.admin.entry]);
  const sink = logSink();
  const keyring = new Keyring(ring.file, sink.log, 100);
  const jwt = new JwtVerifier(jwtConfig([keys.signing]));
  const engine = new ScriptedEngine();
  const store = new Map<string, ChatResult>();
  const cache: ResponseCache = { get: async (k) => store.get(k), set: async (k, v) => void store.set(k, v), ready: async () => {}, close: async () => {} };
  const config: ServiceConfig = { ...renderedRuntimeConfig('dev'), listen: { host: '127.0.0.1', port: 0 } };
  const deps: ServiceDeps = { config, models: ModelRouter.of(engine), authenticate: keyringAuth(keyring, jwt), keyring, cache, metrics: createMetrics(), log: sink.log, startedAt: Date.UTC(2026, 10, 26), lifecycle: new Lifecycle() };
  return { deps, keys, ring, sink, engine, store, close: () => keyring.close() };
}

/** The queue of a busy engine: its one slot taken and `waiting` requests queued (the queue's bound). */
export async function fullSlots(waiting: number): Promise<Slots<string>> {
  const slots = new Slots(['only'], waiting);
  await slots.acquire(new AbortController().signal);
  for (let i = 0; i < waiting; i++) void slots.acquire(new AbortController().signal);
  return slots;
}

/** A models directory holding the demo model. */
export function demoModelsDir(): string {
  const dir = tempDir('smartbot-models-');
  writeFileSync(join(dir, DEMO_MODEL_FILE), buildDemoModel());
  return dir;
}

/**
 * The rendered dev config on an ephemeral loopback port, with the demo model in-process and one
 * decoding thread: llama.cpp's threads spin while they wait, and on a loaded machine a second
 * one made each answer take seconds instead of tens of milliseconds.
 */
export function demoConfig(keyringFile: string, changes: (c: ServiceConfig) => ServiceConfig = (c) => c): ServiceConfig {
  const dev = renderedRuntimeConfig('dev');
  return changes({ ...dev, threads: 1, listen: { host: '127.0.0.1', port: 0 }, auth: { keyringFile } });
}

/** The real service on the demo model (in-process llama.cpp), with a chat key; resolves once the model is loaded. */
export async function startDemoService(
  opts: { changes?: (c: ServiceConfig) => ServiceConfig; start?: StartOptions; keys?: ReturnType<typeof freshKeys> } = {},
): Promise<{ service: RunningService; key: string; sink: ReturnType<typeof logSink> }> {
  const keys = opts.keys ?? freshKeys();
  const ring = tempKeyring([keys.chat.entry, keys.admin.entry]);
  const sink = logSink();
  const service = await startService(demoConfig(ring.file, opts.changes), { modelsDir: demoModelsDir(), log: sink.log, localInference: 'in-process', ...opts.start });
  await service.loaded;
  return { service, key: keys.chat.key, sink };
}
