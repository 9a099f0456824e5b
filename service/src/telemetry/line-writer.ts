// Log lines leave in batches: a line waits at most FLUSH_MS (or until MAX_PENDING_BYTES are
// pending) and all lines that waited go out in one write, instead of one write (a system call;
// stdout to a pipe or file is synchronous on Linux) per line. Under load that was the access
// log's cost: 12 % of the service's CPU on the cached chat path. Whatever is pending is written
// when the process exits.
// Why not sonic-boom (pino's writer): its asynchronous mode writes through libuv's thread pool,
// which the deployment sizes to one thread for llama.cpp, so log lines would wait behind
// decoding; its synchronous mode holds lines until `minLength` with no timer.

export interface LineWriter {
  write(line: string): void;
  /** Writes what is pending now (shutdown, exit). */
  flush(): void;
}

/** Above this many pending bytes the batch goes out at once, so a burst cannot pile up memory. */
export const MAX_PENDING_BYTES = 64 * 1024;
/** The longest a line waits: log shippers poll files far less often. */
export const FLUSH_MS = 20;

export function batchedWriter(out: (text: string) => void): LineWriter {
  let pending: string[] = [];
  let bytes = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const text = pending.length === 1 ? pending[0]! : pending.join('');
    pending = [];
    bytes = 0;
    out(text);
  };
  return {
    write(line) {
      pending.push(line);
      bytes += line.length;
      if (bytes >= MAX_PENDING_BYTES) flush();
      // unref: a pending line never keeps the process alive; the exit hook writes it.
      else timer ??= setTimeout(flush, FLUSH_MS).unref();
    },
    flush,
  };
}

let stdout: LineWriter | undefined;
/** The process's one batched stdout writer; what is pending when the process exits is written then (process.exit included). */
export function stdoutWriter(): LineWriter {
  if (!stdout) {
    const w = batchedWriter((text) => process.stdout.write(text));
    process.once('exit', w.flush);
    stdout = w;
  }
  return stdout;
}
