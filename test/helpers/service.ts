// Building blocks for service tests: a service config from the rendered dev ConfigMap, a
// keyring on disk with fresh keys, signing keys, a scripted engine and a log sink.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { generateSigningKeys, keyId, type JwtConfig, type JwtKey } from '../../contract/jwt.js';
import { formatKeyring, mintApiKey, type KeyEntry } from '../../contract/keyring-file.js';
import { JWT_DEFAULTS } from '../../contract/service-config.js';
import type { ServiceConfig } from '../../service/src/config.js';
import { ApiError } from '../../service/src/errors.js';
import type { ChatEngine, ChatRequest, ChatResult, Readiness } from '../../service/src/engine/types.js';
import { createLogger, type Logger } from '../../service/src/telemetry/logger.js';
import { repoRoot } from './env.js';

/** The service config exactly as rendered into rendered/<env>/kubernetes/configmap.yaml. */
export function renderedRuntimeConfig(env: string): ServiceConfig {
  const cm = parse(readFileSync(join(repoRoot, 'rendered', env, 'kubernetes/configmap.yaml'), 'utf8'));
  return JSON.parse(cm.data['runtime.json']) as ServiceConfig;
}

export function tempKeyring(entries: KeyEntry[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'smartbot-keyring-'));
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
  readonly source = 'local' as const;
  readonly modelId = 'scripted';
  calls: ChatRequest[] = [];
  readinessState: Readiness = { ready: true };
  reply = 'Hello from the script.';
  fail: ApiError | undefined;
  depth = 0;

  async readiness() {
    return this.readinessState;
  }
  queueDepth() {
    return this.depth;
  }
  async chat(req: ChatRequest, onDelta?: (t: string) => void): Promise<ChatResult> {
    this.calls.push(req);
    if (this.fail) throw this.fail;
    const words = this.reply.split(/(?= )/);
    for (const w of words) onDelta?.(w);
    return { content: this.reply, finishReason: 'stop', usage: { prompt_tokens: 7, completion_tokens: words.length, total_tokens: 7 + words.length } };
  }
  async close() {}
}

/** A TCP port on 127.0.0.1 that was free a moment ago (nothing listens there now). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
