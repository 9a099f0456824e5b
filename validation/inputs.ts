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

  /** The outcome holds only until `time`. */
  holdsUntil(time: number): void {
    if (this.until === undefined || time < this.until) this.until = time;
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
      const s = statSync(input[1], { throwIfNoEntry: false });
      return s ? `${s.size} ${s.mtimeMs} ${s.ino}` : 'none';
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
