// The process contract every smartbot entry point keeps (the CLI, the service, the llama.cpp
// runtime, model_loader): exit 0 ok, 1 refused or invalid, 2 usage or cannot run; a known
// failure is one line, never a stack trace (SMARTBOT_DEBUG=1 adds it); a long-running entry
// closes cleanly on SIGTERM or SIGINT and exits 0.

/** A failure the user can act on: printed as one line, with its exit code. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

/** What a long-running entry returns: runMain closes it on SIGTERM/SIGINT. */
export interface Closable {
  close(signal: string): Promise<void>;
}

/** One line for a failure, and the exit code it means. */
export function describeFailure(name: string, e: unknown): { text: string; code: 1 | 2 } {
  const err = e instanceof Error ? e : new Error(String(e));
  const debug = process.env.SMARTBOT_DEBUG ? `${err.stack}\n` : '';
  if (err instanceof UserError) return { text: `${name}: ${err.message}\n${debug}`, code: err.exitCode };
  const errno = (err as NodeJS.ErrnoException).code;
  if (errno === 'EADDRINUSE' || errno === 'EACCES') return { text: `${name}: ${err.message}\n${debug}`, code: 1 };
  return { text: `${name}: internal error: ${err.message}\n(set SMARTBOT_DEBUG=1 for a stack trace, and please report it)\n${debug}`, code: 2 };
}

/** Is this module the process's entry (node path/to/module.js)? */
export const isEntry = (moduleUrl: string) => Boolean(process.argv[1]) && moduleUrl === new URL(`file://${process.argv[1]}`).href;

/** Runs an entry point: a number is the exit code; a Closable runs until a signal closes it. */
export function runMain(name: string, main: (argv: string[]) => Promise<number | Closable>): void {
  main(process.argv.slice(2)).then(
    (result) => {
      if (typeof result === 'number') {
        process.exitCode = result;
        return;
      }
      let closing = false;
      const stop = (signal: string) => {
        if (closing) return;
        closing = true;
        result.close(signal).then(
          () => process.exit(0),
          (e: unknown) => {
            process.stderr.write(describeFailure(name, e).text);
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    },
    (e: unknown) => {
      const { text, code } = describeFailure(name, e);
      process.stderr.write(text);
      process.exit(code);
    },
  );
}
