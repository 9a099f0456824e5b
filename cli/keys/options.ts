// What every `smartbot keys` subcommand reads the same way: the options, the environment named
// by --env, who and why a change is made, and the new key shown once.
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { REASON_MAX_CHARS, type AuditEntry } from '../../contract/audit-log.js';
import { API_KEY_SHAPE, type KeyEntry } from '../../contract/keyring-file.js';
import { provenance, writeSecretFile, type Provenance } from '../../keys/record.js';
import { ENV_NAME, type KeySettings } from '../../keys/settings.js';
import { environmentFile } from '../../contract/paths.js';
import { secretShape } from '../../validation/policy/secrets.js';
import { UsageError, type CliIO } from '../io.js';

export const parseKeysArgs = (argv: string[]) =>
  parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      env: { type: 'string' },
      id: { type: 'string' },
      scope: { type: 'string' },
      expires: { type: 'string' },
      'not-before': { type: 'string' },
      overlap: { type: 'string' },
      reason: { type: 'string' },
      actor: { type: 'string' },
      ref: { type: 'string' },
      out: { type: 'string' },
      due: { type: 'boolean' },
      jwt: { type: 'boolean' },
      'public-key': { type: 'string' },
      'sign-key': { type: 'string' },
      root: { type: 'string' },
      repo: { type: 'string' },
      base: { type: 'string' },
      branch: { type: 'string' },
      checkpoint: { type: 'boolean' },
      sha: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });

export type Options = ReturnType<typeof parseKeysArgs>['values'];

/** What a subcommand is run with: its options, the command's one KeySettings, the output. */
export interface KeysRun {
  v: Options;
  settings: KeySettings;
  io: CliIO;
}

export const DAY_MS = 86_400_000;

export const need = (value: string | undefined, option: string, example: string) => {
  if (!value) throw new UsageError(`${option} is required (e.g. ${option} ${example})`);
  return value;
};

/** --env: an environment of the repository. */
export function envOption(run: KeysRun, example = 'dev'): string {
  const env = need(run.v.env, '--env', example);
  if (!ENV_NAME.test(env)) throw new UsageError(`invalid --env "${env}": a name from environments/`);
  if (!run.settings.has(env)) throw new UsageError(`no environment "${env}": ${run.settings.root}/${environmentFile(env)} does not exist`);
  return env;
}

/** "30m", "24h", "7d", "0": a rotation overlap in milliseconds (at most 90 days). */
export function parseOverlap(text: string): number {
  const m = /^(\d+)(s|m|h|d)?$/.exec(text);
  const ms = m ? Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS }[(m[2] ?? 's') as 's'] : NaN;
  if (!m || (m[2] === undefined && m[1] !== '0') || ms > 90 * DAY_MS) throw new UsageError(`--overlap must be a duration like 30m, 24h or 7d (at most 90d), got "${text}"`);
  return ms;
}

export function parseInstant(option: string, text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new UsageError(`${option} is not a date: "${text}" (e.g. 2027-01-31 or 2027-01-31T12:00:00Z)`);
  return new Date(t);
}

/** --actor, --ref and --sign-key, or their defaults. */
export const provenanceOf = (run: KeysRun) =>
  provenance(run.settings.root, { ...(run.v.actor ? { actor: run.v.actor } : {}), ...(run.v.ref ? { ref: run.v.ref } : {}), ...(run.v['sign-key'] ? { signKey: run.v['sign-key'] } : {}) });

/** The fields every change shares. The log is forever: nothing that looks like a key goes in, and a reason is a sentence, not a file. */
export function change(env: string, who: Provenance, reason: string, now: Date) {
  if (reason.length > REASON_MAX_CHARS) throw new UsageError(`--reason is ${reason.length} characters: say why in at most ${REASON_MAX_CHARS} (link to the ticket for the rest)`);
  for (const [option, text] of [['--reason', reason], ['--actor', who.actor], ['--ref', who.ref]] as const) {
    const why = API_KEY_SHAPE.test(text) ? 'a plaintext API key' : secretShape(text, option !== '--reason');
    if (why) throw new UsageError(`${option} looks like it holds ${why}: the audit log is permanent, say why without the key`);
  }
  return { ts: now.toISOString(), env, actor: who.actor, reason, ref: who.ref };
}

/** The next generation of NAME: NAME.1, or one past its highest. */
export function nextId(keys: Pick<KeyEntry, 'id' | 'name'>[], name: string): string {
  const gens = keys.filter((k) => k.name === name).map((k) => Number(k.id.slice(name.length + 1)));
  return `${name}.${Math.max(0, ...gens) + 1}`;
}

/**
 * Records `changes` and shows the new plaintext secret once: written to --out first (so a
 * file that cannot be written leaves nothing recorded), else printed after recording.
 * Returns the sealed entries and the sentence saying where the secret went.
 */
export function recordWithSecret(io: CliIO, out: string | undefined, secret: string | undefined, what: string, write: () => AuditEntry[]): { sealed: AuditEntry[]; shown: string } {
  const text = secret === undefined || secret.endsWith('\n') ? secret : `${secret}\n`;
  if (text !== undefined && out) writeSecretFile(out, text);
  let sealed: AuditEntry[];
  try {
    sealed = write();
  } catch (e) {
    if (text !== undefined && out) rmSync(out, { force: true });
    throw e;
  }
  if (text === undefined) return { sealed, shown: '' };
  if (out) return { sealed, shown: `; ${what} written to ${out} (mode 600)` };
  io.out(text);
  return { sealed, shown: `; ${what} above is shown once: store it in your secret manager` };
}

export const nextSteps = (keyring: string, log: string) => `Next: npx smartbot render, then commit ${keyring}, ${log} and rendered/.`;
