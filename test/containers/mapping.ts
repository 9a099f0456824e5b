// The one place where the container smoke test differs from a cluster. The service config is
// the rendered ConfigMap's runtime.json byte for byte; only what a cluster supplies from
// elsewhere is supplied here instead:
//
// | in a cluster                                   | in the smoke test                                    |
// |------------------------------------------------|------------------------------------------------------|
// | keyring ConfigMap (hashes from keyrings/)      | a keyring with one fresh CI key, made per run        |
// | Secrets via ExternalSecret                     | files in a temp dir mounted at /var/run/secrets/...  |
// | models PVC filled by model_loader              | the demo model in a temp dir mounted at /data/models |
// | the runtime sidecar at smartbot-runtime        | the runtime container with network alias             |
// |   (hostAliases → 127.0.0.1)                    |   smartbot-runtime                                   |
// | the remote API (api.example.com, public CA)    | the runtime container with alias api.example.com,    |
// |                                                |   TLS from a CA made per run (NODE_EXTRA_CA_CERTS),  |
// |                                                |   serving the demo model under the remote's name     |
// | Redis at the URL in the smartbot-redis Secret  | a Redis container with alias redis, URL in the Secret |
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { BUILT_IN_MODELS } from '../../gguf/demo-model.js';
import { isLocal, isRemote, modelSet } from '../../contract/models.js';
import type { ServiceConfig } from '../../contract/service-config.js';
import { formatKeyring, mintApiKey } from '../../contract/keyring-file.js';
import { repoRoot } from '../helpers/env.js';
import { tempDir } from '../helpers/temp.js';

export interface EnvFixture {
  env: string;
  /** rendered/<env>/kubernetes/configmap.yaml → data["runtime.json"], unchanged. */
  runtimeJson: string;
  config: ServiceConfig;
  dir: string;
  files: { runtime: string; keyring: string; secrets: string; models: string; tls?: string };
  apiKey: string;
  /** The upstream bearer key (remote environments). */
  upstreamKey?: string;
  /** Redis URL the Secret names (cached environments). */
  redisHost?: string;
}

/** A directory readable by the containers' non-root user (uid 10001). */
function shareable(dir: string): string {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  return dir;
}

/** A CA and a server certificate for `host`, made with openssl. */
function makeTls(dir: string, host: string): void {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=smartbot test CA');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'server.csr', '-subj', `/CN=${host}`);
  writeFileSync(join(dir, 'san.ext'), `subjectAltName=DNS:${host}\nextendedKeyUsage=serverAuth\n`);
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'cert.pem', '-days', '2', '-extfile', 'san.ext');
  for (const f of ['ca.pem', 'cert.pem', 'key.pem']) chmodSync(join(dir, f), 0o644);
}

export function envFixture(env: string): EnvFixture {
  const cm = parse(readFileSync(join(repoRoot, 'rendered', env, 'kubernetes/configmap.yaml'), 'utf8'));
  const runtimeJson: string = cm.data['runtime.json'];
  const config = JSON.parse(runtimeJson) as ServiceConfig;
  const dir = shareable(tempDir(`smartbot-smoke-${env}-`));
  const files = { runtime: join(dir, 'runtime.json'), keyring: join(dir, 'keyring.json'), secrets: shareable(join(dir, 'secrets')), models: shareable(join(dir, 'models')) } as EnvFixture['files'];
  writeFileSync(files.runtime, runtimeJson);
  // The built-in models: each local model's file, and the demo model a remote stand-in serves.
  const set = modelSet(config);
  const modelFiles = [...new Set(['demo.gguf', ...set.models.filter(isLocal).map((m) => basename(m.path))])];
  for (const f of modelFiles) writeFileSync(join(files.models, f), BUILT_IN_MODELS[f]!());
  const key = mintApiKey('smoke', ['chat']);
  writeFileSync(files.keyring, formatKeyring([key.entry]));
  for (const f of [files.runtime, files.keyring, ...modelFiles.map((m) => join(files.models, m))]) chmodSync(f, 0o644);

  const secret = (name: string, k: string, value: string) => {
    const d = shareable(join(files.secrets, name));
    writeFileSync(join(d, k), value);
    chmodSync(join(d, k), 0o644);
  };
  const fixture: EnvFixture = { env, runtimeJson, config, dir, files, apiKey: key.key };
  // One stand-in answers for the remote models (the shipped environments name one remote API).
  const remote = set.models.filter(isRemote);
  if (remote.length) {
    const upstream = mintApiKey('upstream', ['chat']).key;
    for (const m of remote) secret(m.auth.secretRef.name, m.auth.secretRef.key, upstream);
    fixture.upstreamKey = upstream;
    const host = new URL(remote[0]!.endpoint).hostname;
    if (remote[0]!.endpoint.startsWith('https:')) {
      files.tls = shareable(join(dir, 'tls'));
      makeTls(files.tls, host);
    }
  }
  const redis = config.cache.redis;
  if (redis.enabled) {
    fixture.redisHost = redis.url ? new URL(redis.url).hostname : 'redis';
    if (redis.secretRef) secret(redis.secretRef.name, redis.secretRef.key, 'redis://redis:6379');
  }
  return fixture;
}
