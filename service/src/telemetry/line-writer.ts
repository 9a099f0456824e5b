// Log lines leave in batches: every line written in one turn of the event loop goes out in one
// write when the turn ends, instead of one write (a system call; stdout to a pipe or file is
// synchronous on Linux) per line. Under load that was the access log's cost: 12 % of the
// service's CPU on the cached chat path. At low traffic a line still leaves within the turn.
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

export function batchedWriter(out: (text: string) => void): LineWriter {
  let pending: string[] = [];
  let bytes = 0;
  let scheduled = false;
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.length === 1 ? pending[0]! : pending.join('');
    pending = [];
    bytes = 0;
    out(text);
  };
  const onTurnEnd = () => {
    scheduled = false;
    flush();
  };
  return {
    write(line) {
      pending.push(line);
      bytes += line.length;
      if (bytes >= MAX_PENDING_BYTES) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(onTurnEnd);
      }
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
