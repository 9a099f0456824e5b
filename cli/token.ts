// `smartbot token --user NAME --expiry SECONDS [--scope chat|admin]`: mints an EdDSA access
// token (the deployment guide's generate_token step). `smartbot token --keygen DIR` makes the
// signing key pair; put the public key in the environment's security.jwt.publicKey.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateSigningKeys, mintToken } from '../contract/jwt.js';
import { isEntry, runMain } from '../contract/run-main.js';
import { EXIT, UsageError, processIO, type CliIO } from './io.js';

export const tokenHelp = `Usage: smartbot token --user NAME --expiry SECONDS [--scope chat|admin] [--key FILE] [--json]
       smartbot token --keygen DIR

Mints a JWT access token signed with EdDSA (Ed25519). The private key comes from --key FILE,
$SMARTBOT_JWT_PRIVATE_KEY_FILE or $SMARTBOT_JWT_PRIVATE_KEY (PEM). --keygen writes
DIR/jwt-private.pem (mode 600) and DIR/jwt-public.pem; the public key goes in
security.jwt.publicKey of the environment.

Options:
  --user NAME        the token's subject
  --expiry SECONDS   lifetime (the guide uses 86400)
  --scope S          chat (default) or admin
  --issuer ISS       iss claim (default smartbot; must match security.jwt.issuer)
  --json             print {token, scope, expiresAt}
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

export function tokenCommand(argv: string[], io: CliIO): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      user: { type: 'string' },
      expiry: { type: 'string' },
      scope: { type: 'string' },
      key: { type: 'string' },
      issuer: { type: 'string' },
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
    io.out(`wrote ${priv} (keep it secret) and ${join(values.keygen, 'jwt-public.pem')}\n\nsecurity:\n  jwt:\n    publicKey: |\n${keys.publicKeyPem.trim().split('\n').map((l) => `      ${l}`).join('\n')}\n`);
    return EXIT.ok;
  }
  if (!values.user) throw new UsageError('--user is required');
  const expiry = Number(values.expiry);
  if (!values.expiry || !Number.isInteger(expiry) || expiry <= 0) throw new UsageError(`--expiry must be a positive number of seconds, got "${values.expiry ?? ''}"`);
  const scope = values.scope ?? 'chat';
  if (scope !== 'chat' && scope !== 'admin') throw new UsageError(`--scope must be chat or admin, got "${scope}"`);
  let pem = privateKey(values.key);
  let token: string;
  try {
    token = mintToken(pem, { sub: values.user, scope, iss: values.issuer ?? 'smartbot', expiresInSeconds: expiry });
  } catch (e) {
    throw new UsageError(`the signing key is not an Ed25519 private key (PEM): ${(e as Error).message}`);
  } finally {
    pem = '';
  }
  if (values.json) io.out(`${JSON.stringify({ token, scope, expiresAt: new Date(Date.now() + expiry * 1000).toISOString() })}\n`);
  else io.out(`${token}\n`);
  return EXIT.ok;
}

// The images ship this file alone as /opt/bot/scripts/generate_token.sh's command (not the whole CLI).
if (isEntry(import.meta.url)) runMain('generate_token', async (argv) => tokenCommand(argv, processIO));
