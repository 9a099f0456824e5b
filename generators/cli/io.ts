// What a command writes to and returns: injectable so tests run commands in-process.
export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: string;
}

export const processIO: CliIO = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  cwd: process.cwd(),
};

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

export class UsageError extends Error {}
