// `smartbot token --user NAME --expiry SECONDS [--scope chat|admin]`: mints an EdDSA access
// token (the deployment guide's generate_token step) whose `kid` header names its signing key.
// With a service config (--env, --config, or the mounted one inside the image) it signs only
// with that config's active key and within its limits. `smartbot token --keygen DIR` makes a
// signing key pair; `smartbot keys rotate --jwt` rotates it in an environment.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { generateSigningKeys, keyId, mintToken, type JwtConfig } from '../contract/jwt.js';
import { isEntry, runMain } from '../contract/run-main.js';
import { PATHS, type ServiceConfig } from '../contract/service-config.js';
import { EXIT, UsageError, processIO, type CliIO } from './io.js';
import { LAYOUT } from '../contract/paths.js';

export const tokenHelp = `Usage: smartbot token --user NAME --expiry SECONDS [--scope chat|admin] [--key FILE] [--env ENV | --config FILE] [--json]
       smartbot token --keygen DIR

Mints a JWT access token signed with EdDSA (Ed25519); its kid header names the signing key.
The private key comes from --key FILE, $SMARTBOT_JWT_PRIVATE_KEY_FILE or
$SMARTBOT_JWT_PRIVATE_KEY (PEM). --keygen writes DIR/jwt-private.pem (mode 600) and
DIR/jwt-public.pem, and prints the security.jwt.keys entry for the environment.

The service config decides what is accepted: with --env ENV (rendered/ENV's runtime.json),
--config FILE, or inside the image the mounted ${PATHS.config}, the token is signed only with
that config's active key, with its issuer and audience, and within its maximum lifetime.

Options:
  --user NAME        the token's subject
  --expiry SECONDS   lifetime (the guide uses 86400)
  --scope S          chat (default) or admin
  --kid KID          key id for the header (default: the key's JWK thumbprint)
  --issuer ISS       iss claim (default: the config's, else smartbot)
  --audience AUD     aud claim (default: the config's, if any)
  --root DIR         repository root for --env (default: the current directory)
  --json             print {token, kid, scope, expiresAt}
`;

function privateKey(keyFile: string | undefined): string {
  const file = keyFile ?? process.env.SMARTBOT_JWT_PRIVATE_KEY_FILE;
  if (file) {
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read the signing key ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  if (process.env.SMARTBOT_JWT_PRIVATE_KEY) return process.env.SMARTBOT_JWT_PRIVATE_KEY;
  throw new UsageError('no signing key: pass --key FILE or set $SMARTBOT_JWT_PRIVATE_KEY_FILE (make one with `smartbot token --keygen DIR`)');
}

/** The JWT settings tokens must satisfy, and where they came from; undefined without a config. */
function jwtSettings(values: { env?: string; config?: string; root?: string }): { source: string; jwt: JwtConfig } | undefined {
  let source: string;
  let runtimeJson: string;
  try {
    if (values.env) {
      if (!/^[a-z0-9][-a-z0-9_]*$/.test(values.env)) throw new UsageError(`invalid --env "${values.env}"`);
      source = join(values.root ?? '.', LAYOUT.rendered, values.env, 'kubernetes', 'configmap.yaml');
      runtimeJson = (parse(readFileSync(source, 'utf8')) as { data: Record<string, string> }).data['runtime.json']!;
    } else {
      source = values.config ?? process.env.SMARTBOT_CONFIG ?? PATHS.config;
      if (!values.config && !existsSync(source)) return undefined;
      runtimeJson = readFileSync(source, 'utf8');
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read the service config ${values.env ? `of ${values.env} ` : ''}(${(e as NodeJS.ErrnoException).code ?? (e as Error).message})${values.env ? ': run `npx smartbot render` first' : ''}`);
  }
  const jwt = (JSON.parse(runtimeJson) as ServiceConfig).auth?.jwt;
  if (!jwt) throw new UsageError(`${source} accepts no JWTs (security.jwt is not set)`);
  return { source, jwt };
}

export async function tokenCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      user: { type: 'string' },
      expiry: { type: 'string' },
      scope: { type: 'string' },
      key: { type: 'string' },
      kid: { type: 'string' },
      issuer: { type: 'string' },
      audience: { type: 'string' },
      env: { type: 'string' },
      config: { type: 'string' },
      root: { type: 'string' },
      keygen: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return io.out(tokenHelp), EXIT.ok;
  if (values.keygen) {
    const keys = generateSigningKeys();
    mkdirSync(values.keygen, { recursive: true });
    const priv = join(values.keygen, 'jwt-private.pem');
    writeFileSync(priv, keys.privateKeyPem, { mode: 0o600 });
    chmodSync(priv, 0o600);
    writeFileSync(join(values.keygen, 'jwt-public.pem'), keys.publicKeyPem);
    const pem = keys.publicKeyPem.trim().split('\n').map((l) => `            ${l}`).join('\n');
    io.out(`wrote ${priv} (keep it secret) and ${join(values.keygen, 'jwt-public.pem')}\n\nsecurity:\n  jwt:\n    keys:\n      - kid: ${keyId(keys.publicKeyPem)}\n        status: active\n        publicKey: |\n${pem}\n`);
    return EXIT.ok;
  }
  if (!values.user) throw new UsageError('--user is required');
  const expiry = Number(values.expiry);
  if (!values.expiry || !Number.isInteger(expiry) || expiry <= 0) throw new UsageError(`--expiry must be a positive number of seconds, got "${values.expiry ?? ''}"`);
  const scope = values.scope ?? 'chat';
  if (scope !== 'chat' && scope !== 'admin') throw new UsageError(`--scope must be chat or admin, got "${scope}"`);
  if (values.env && values.config) throw new UsageError('give --env or --config, not both');
  let pem = privateKey(values.key);
  let kid: string;
  try {
    kid = values.kid ?? (keyId(pem));
  } catch (e) {
    throw new UsageError(`the signing key is not an Ed25519 private key (PEM): ${(e as Error).message}`);
  }
  const settings = jwtSettings(values);
  if (settings) {
    const { source, jwt } = settings;
    const listed = jwt.keys.find((k) => k.kid === kid);
    const active = jwt.keys.find((k) => k.status === 'active');
    if (!listed) throw new UsageError(`this signing key (kid ${kid}) is not one of ${source}'s keys (${jwt.keys.map((k) => `${k.kid} ${k.status}`).join(', ')}): sign with the active one`);
    if (listed.status !== 'active') throw new UsageError(`the signing key ${kid} is ${listed.status} in ${source}: sign with the active key ${active?.kid ?? '(none)'}`);
    if (expiry > jwt.maxLifetimeSeconds) throw new UsageError(`--expiry ${expiry} exceeds ${source}'s maximum token lifetime of ${jwt.maxLifetimeSeconds} s`);
    if (values.issuer && values.issuer !== jwt.issuer) throw new UsageError(`--issuer "${values.issuer}" is not the issuer ${source} accepts ("${jwt.issuer}")`);
  }
  const issuer = values.issuer ?? settings?.jwt.issuer ?? 'smartbot';
  const audience = values.audience ?? settings?.jwt.audience;
  let token: string;
  try {
    token = await mintToken(pem, { sub: values.user, scope, iss: issuer, expiresInSeconds: expiry, kid, ...(audience ? { aud: audience } : {}) });
  } catch (e) {
    throw new UsageError(`the signing key is not an Ed25519 private key (PEM): ${(e as Error).message}`);
  } finally {
    pem = '';
  }
  if (values.json) io.out(`${JSON.stringify({ token, kid, scope, expiresAt: new Date(Date.now() + expiry * 1000).toISOString() })}\n`);
  else io.out(`${token}\n`);
  return EXIT.ok;
}

// The images ship this file alone as /opt/bot/scripts/generate_token.sh's command (not the whole CLI).
if (isEntry(import.meta.url)) runMain('generate_token', async (argv) => tokenCommand(argv, processIO));
