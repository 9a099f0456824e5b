// What a command writes to and returns: injectable so tests run commands in-process.
import { UserError } from '../contract/run-main.js';
export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const processIO: CliIO = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

/** Bad usage of a command: exit 2 with the reason and a pointer to --help. */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** Work over this many environments or more reports its progress on stderr, every 5 s. */
const PROGRESS_FROM = 1000;
const PROGRESS_EVERY_MS = 5000;

/** "smartbot plan: 2,000 of 10,000 environments planned (4 s)", at most every 5 s, for long runs only. */
export function progressLine(io: CliIO, command: string, done: string): (count: number, total: number) => void {
  const started = Date.now();
  let said = started;
  return (count, total) => {
    const now = Date.now();
    if (total < PROGRESS_FROM || now - said < PROGRESS_EVERY_MS) return;
    said = now;
    io.err(`smartbot ${command}: ${count.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} environments ${done} (${Math.round((now - started) / 1000)} s)\n`);
  };
}

/** A count option (--jobs, --max-chars): undefined when not given; a usage error unless a whole number (above 0 unless allowZero). */
export function wholeNumberOption(name: string, value: string | undefined, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || (!allowZero && n === 0)) throw new UsageError(`${name} must be a whole number${allowZero ? '' : ' above 0'}, got "${value}"`);
  return n;
}
