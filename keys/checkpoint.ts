// Truncation: deleting the newest entries on main is invisible to a hash chain alone. After
// every merge that appends, the main workflow records the head — seq and hash, signed by the
// workflow key once there is one — outside the file: an annotated tag `smartbot-audit/<seq>` on
// the merge commit, created through GitHub's API (a tag ruleset keeps anyone from moving or
// deleting them). `keys verify --checkpoint` compares the file with the newest such tag: the
// off-host record CloudTrail's digest files and transparency logs' signed tree heads give.
import { execFileSync } from 'node:child_process';
import { sign, verify, type KeyObject } from 'node:crypto';
import type { AuditEntry, WorkflowKey } from '../contract/audit-log.js';

export const CHECKPOINT_TAG_PREFIX = 'smartbot-audit/';

export interface Checkpoint {
  seq: number;
  hash: string;
  /** Ed25519 by the workflow key over `smartbot-audit-checkpoint <seq> <hash>`. */
  sig?: string;
}

export const checkpointTag = (c: Pick<Checkpoint, 'seq'>) => `${CHECKPOINT_TAG_PREFIX}${c.seq}`;
const signed = (c: Checkpoint) => Buffer.from(`smartbot-audit-checkpoint ${c.seq} ${c.hash}`);

/** The annotated tag's message. */
export const checkpointMessage = (c: Checkpoint) => `smartbot audit checkpoint\n\nseq: ${c.seq}\nhash: ${c.hash}\n${c.sig ? `sig: ${c.sig}\n` : ''}`;

export function makeCheckpoint(last: Pick<AuditEntry, 'seq' | 'hash'>, signingKey?: KeyObject): Checkpoint {
  const c: Checkpoint = { seq: last.seq, hash: last.hash };
  return signingKey ? { ...c, sig: sign(null, signed(c), signingKey).toString('hex') } : c;
}

export function parseCheckpoint(message: string): Checkpoint | undefined {
  const seq = /^seq: ([1-9]\d{0,8})$/m.exec(message)?.[1];
  const hash = /^hash: ([0-9a-f]{64})$/m.exec(message)?.[1];
  const sig = /^sig: ([0-9a-f]{128})$/m.exec(message)?.[1];
  return seq && hash ? { seq: Number(seq), hash, ...(sig ? { sig } : {}) } : undefined;
}

export type FoundCheckpoint = { tag: string; checkpoint?: Checkpoint };

/** The newest checkpoint tag in the repository at `root` (highest seq), or undefined when there is none (or no git). */
export function latestCheckpoint(root: string): FoundCheckpoint | undefined {
  let out: string;
  try {
    out = execFileSync('git', ['-C', root, 'for-each-ref', '--sort=-v:refname', '--count=1', '--format=%(refname:strip=2)%00%(contents)', `refs/tags/${CHECKPOINT_TAG_PREFIX}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 1 << 20,
    });
  } catch {
    return undefined;
  }
  if (!out.trim()) return undefined;
  const [tag, message = ''] = out.split('\0');
  const checkpoint = parseCheckpoint(message);
  return { tag: tag!, ...(checkpoint ? { checkpoint } : {}) };
}

/** Why the history does not match the checkpoint, or undefined when it does. */
export function checkpointProblem(found: FoundCheckpoint, entries: readonly AuditEntry[], workflowKey: WorkflowKey | undefined): string | undefined {
  const c = found.checkpoint;
  if (!c) return `${found.tag} is not a smartbot audit checkpoint (its message has no seq and hash lines)`;
  if (workflowKey && c.seq >= workflowKey.fromSeq) {
    if (!c.sig) return `${found.tag} is not signed, but entries from seq ${workflowKey.fromSeq} on are: a checkpoint made without the workflow key (forged?)`;
    if (!verify(null, signed(c), workflowKey.key, Buffer.from(c.sig, 'hex'))) return `${found.tag}'s signature does not verify with the workflow key (forged?)`;
  }
  const entry = entries.find((e) => e.seq === c.seq);
  const last = entries.at(-1)?.seq ?? 0;
  if (!entry) return `the history ends at seq ${last}, but ${found.tag} recorded seq ${c.seq} on main: ${last + 1 === c.seq ? `entry seq ${c.seq} was` : `entries seq ${last + 1}–${c.seq} were`} removed`;
  if (entry.hash !== c.hash) return `entry seq ${c.seq} has hash ${entry.hash.slice(0, 12)}…, but ${found.tag} recorded ${c.hash.slice(0, 12)}… on main: the history was rewritten`;
  return undefined;
}
