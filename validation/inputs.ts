// What one environment's validation depended on: the files it read (the environment, its
// tiers, the keyring and audit log the policies read), whether the paths it looked for exist,
// the model files it inspected (by size, mtime and inode), and until when the outcome holds (a
// key's age limit). Validation is a pure function of these and the toolchain, so a later run
// that finds every input as it was can tell, without validating again, what validation would
// say: the render cache (cli/render/cache.ts) keeps them for the environments it rendered.
import { hash } from 'node:crypto';
import { statSync } from 'node:fs';
import type { FileSource } from './load/repo-file.js';

/** One input: a repository file read (path, confinement), a path's existence, or a file's identity. */
export type Input = ['read', string] | ['read', string, string] | ['exists', string] | ['file', string];

export interface EnvironmentInputs {
  /** Each distinct input, in the order first read. */
  inputs: Input[];
  /** Hash of what each input was. */
  digest: string;
  /** The outcome holds until this time (ms since the epoch); absent: for ever. */
  until?: number;
}

/** Collects one environment's inputs while it is validated: the policies' reader and existence check, wrapped. */
export class InputRecorder {
  private readonly ids = new Set<string>();
  readonly inputs: Input[] = [];
  until: number | undefined;

  add(input: Input): void {
    const id = input.join('\0');
    if (!this.ids.has(id)) this.ids.add(id), this.inputs.push(input);
  }

  /** `files`, recording every read. */
  reader(files: FileSource): FileSource {
    return { root: files.root, maxBytes: files.maxBytes, read: (path, within) => (this.add(within === undefined ? ['read', path] : ['read', path, within]), files.read(path, within)) };
  }

  /** The outcome holds only until `time` (a time that is not a number: not even now). */
  holdsUntil(time: number): void {
    const t = Number.isFinite(time) ? time : -Infinity;
    if (this.until === undefined || t < this.until) this.until = t;
  }

  /** What the policies are given while recording: their reader, existence check, model files and time limits, each noted. */
  policyOptions(files: FileSource, exists: (path: string) => boolean) {
    return {
      files: this.reader(files),
      exists: (path: string) => (this.add(['exists', path]), exists(path)),
      watch: (path: string) => this.add(['file', path]),
      holdsUntil: (time: number) => this.holdsUntil(time),
    };
  }
}

/** Looks at inputs for one run, each distinct one once (a fleet shares its tiers, keyrings and audit log). */
export class InputObserver {
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly files: FileSource,
    private readonly exists: (path: string) => boolean,
  ) {}

  private observe(input: Input): string {
    const id = input.join('\0');
    let found = this.seen.get(id);
    if (found === undefined) this.seen.set(id, (found = this.look(input)));
    return found;
  }

  private look(input: Input): string {
    if (input[0] === 'exists') return this.exists(input[1]) ? 'yes' : 'no';
    if (input[0] === 'file') {
      try {
        // ctime too: a copy that keeps the file's mtime (cp -p, rsync -t) still moves it.
        const s = statSync(input[1], { throwIfNoEntry: false });
        return s ? `${s.size} ${s.mtimeMs} ${s.ctimeMs} ${s.ino}` : 'none';
      } catch (e) {
        return `error ${(e as NodeJS.ErrnoException).code ?? 'unknown'}`;
      }
    }
    const r = this.files.read(input[1], input[2]);
    return r.ok ? hash('sha256', r.text, 'base64url') : `refused ${r.refusal.rule}`;
  }

  digest(inputs: readonly Input[]): string {
    return hash('sha256', inputs.map((i) => this.observe(i)).join('\n'), 'base64url');
  }

  /** Whether inputs an earlier run recorded are all as they were then, and its outcome still holds. */
  unchanged(recorded: EnvironmentInputs, now = Date.now()): boolean {
    return (recorded.until === undefined || now < recorded.until) && this.digest(recorded.inputs) === recorded.digest;
  }
}

/** Whether a value read back from a cache is an Input. */
export function isInput(v: unknown): v is Input {
  if (!Array.isArray(v) || typeof v[1] !== 'string') return false;
  if (v[0] === 'read') return v.length === 2 || (v.length === 3 && typeof v[2] === 'string');
  return (v[0] === 'exists' || v[0] === 'file') && v.length === 2;
}
