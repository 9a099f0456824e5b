// `smartbot keys create|rotate|revoke|list|log|verify|checkpoint|workflow-key|open-pr`: an
// environment's API keys and JWT signing keys, every change recorded in the tamper-evident audit
// history (audit/key-rotations.jsonl) and the keyring derived from it. A new key is shown once —
// printed, or written with --out to a new file of mode 0600 — and never stored. The work is in
// keys/; cli/keys/ holds one file per subcommand.
import { AUDIT_LOG_FILE } from '../contract/keyring-file.js';
import { KeySettings } from '../keys/settings.js';
import { KEY_AGE_WARNING_DAYS } from '../validation/policy/keyring.js';
import type { GitHubClientOverrides } from './github-env.js';
import { EXIT, UsageError, type CliIO } from './io.js';
import { apiKeyChange, jwtKeyChange } from './keys/change.js';
import { checkpoint } from './keys/checkpoint.js';
import { list } from './keys/list.js';
import { log } from './keys/log.js';
import { openPr } from './keys/open-pr.js';
import { parseKeysArgs, type KeysRun } from './keys/options.js';
import { revoke } from './keys/revoke.js';
import { rotateDue } from './keys/rotate-due.js';
import { verify } from './keys/verify.js';
import { workflowKey } from './keys/workflow-key.js';

export { parseOverlap } from './keys/options.js';

export const keysHelp = `Usage: smartbot keys create --env ENV --id NAME [--scope chat|admin] [--expires DATE] [--not-before DATE] --reason TEXT [--out FILE]
       smartbot keys rotate --env ENV --id NAME [--overlap 24h] --reason TEXT [--out FILE]
       smartbot keys rotate --due [--env ENV] [--overlap 24h] --out DIR
       smartbot keys revoke --env ENV --id ID|NAME --reason TEXT
       smartbot keys create|rotate|revoke --jwt --env ENV …    (JWT signing keys; --id KID for revoke)
       smartbot keys list --env ENV [--json]
       smartbot keys log [--env ENV] [--json]
       smartbot keys verify [--env ENV] [--base REF] [--checkpoint]
       smartbot keys checkpoint [--repo OWNER/NAME --sha SHA]
       smartbot keys workflow-key --public-key FILE
       smartbot keys open-pr --repo OWNER/NAME [--base main] [--branch NAME]
Every change is appended to ${AUDIT_LOG_FILE} (hash-chained, with actor, reason and ref) and the
environment's keyring is rewritten as the replay of that log. A new key is printed once, or
written with --out to a new file (mode 600); only its SHA-256 is stored. Then run
\`npx smartbot render\` and commit keyrings/, audit/ and rendered/ together.
  create    a new key NAME.1 (or the next generation of a revoked NAME)
  rotate    a new active key NAME.<n+1>; the old one is retiring, accepted until now + --overlap,
            then refused with key_expired. --due rotates every active key within
            ${KEY_AGE_WARNING_DAYS} days of its environment's maximum age (security.keyring.maxKeyAgeDays)
  revoke    refused at once (key_revoked); NAME revokes all of its live keys
  list      the environment's keys and their state now
  log       the history, readable (or --json)
  verify    every line canonical, the chain and its signatures intact, the replay equal to every
            keyring: exit 1 naming the line. --base REF: the history only grew since REF (no
            line changed or removed). --checkpoint: it holds the newest smartbot-audit/* tag
  checkpoint  the history's head (seq and hash, signed with the workflow key) as the tag
            smartbot-audit/<seq>: printed, or created on --sha in --repo through GitHub's API
  workflow-key  commit to the workflow key: every entry after the last one must be signed by it
  open-pr   propose the work tree's new audit entries and the files they changed (audit/,
            keyrings/, environments/, rendered/) as a pull request: a branch from the base's
            head, one commit, a body listing the entries. No new entries: no request, exit 0.
            GITHUB_TOKEN (never printed), GITHUB_API_URL (default https://api.github.com)
Options:
  --reason TEXT   why (required for changes; it goes in the audit log)
  --actor WHO     who (default: $SMARTBOT_ACTOR, the scheduled rotation when signing, git user.email)
  --ref REF       the pull request or commit (default: $SMARTBOT_REF, the PR from $GITHUB_REF, HEAD)
  --overlap D     how long a rotated key stays valid: 30m, 24h, 7d (default 24h; 0 = at once)
  --sign-key FILE sign with the workflow key (or $SMARTBOT_AUDIT_SIGNING_KEY[_FILE])
  --public-key F  workflow-key: its public half (PEM); create --jwt: an existing signing key
  --repo O/N      open-pr, checkpoint: the GitHub repository
  --base REF      verify: the branch the history must only have grown from; open-pr: the
                  branch to target (default main; the work tree must be at its head)
  --branch NAME   open-pr: the new branch (default smartbot/key-rotation-<first seq>[-<last seq>])
  --sha SHA       checkpoint: the commit to tag
  --root DIR      repository root (default: the current directory)
`;

/** `client`: tests pass shorter retry waits and un-spaced writes for open-pr and checkpoint. */
export async function keysCommand(argv: string[], io: CliIO, client: GitHubClientOverrides = {}): Promise<number> {
  const { values: v, positionals } = parseKeysArgs(argv);
  const action = positionals[0];
  if (v.help || !action) return io.out(keysHelp), v.help ? EXIT.ok : EXIT.usage;
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  // One reader of the environments per command: each is loaded and checked once.
  const run: KeysRun = { v, settings: new KeySettings(v.root ?? '.'), io };
  switch (action) {
    case 'create':
    case 'rotate':
      if (v.due) {
        if (action !== 'rotate' || v.jwt || v.id) throw new UsageError('--due goes with `rotate` alone (no --id, no --jwt)');
        return rotateDue(run);
      }
      return v.jwt ? jwtKeyChange(action, run) : apiKeyChange(action, run);
    case 'revoke':
      return revoke(run);
    case 'list':
      return list(run);
    case 'log':
      return log(run);
    case 'verify':
      return verify(run);
    case 'checkpoint':
      return checkpoint(run, client);
    case 'workflow-key':
      return workflowKey(run);
    case 'open-pr':
      return openPr(run, client);
    case 'add':
      throw new UsageError('`keys add` is now `keys create --env ENV --id NAME --reason TEXT`');
    default:
      throw new UsageError(`unknown action "${action}" (create, rotate, revoke, list, log, verify, checkpoint, workflow-key or open-pr)`);
  }
}
