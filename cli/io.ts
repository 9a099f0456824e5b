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
