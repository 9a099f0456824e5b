// Work split over worker threads, for commands whose environments are independent (render,
// plan). A worker answers each input it is given with one output; progress may be posted meanwhile.
// Callers split the work into contiguous, ordered parts and merge the outputs in that order,
// so the result does not depend on how many workers ran. A worker's UserError reaches the
// caller as the same one-line UserError.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { UserError } from './run-main.js';

/**
 * How many workers pay for `items` units of work: at most one per core, and none below
 * `perWorker` units each (starting a worker — imports, compiled schema and templates — costs a
 * few hundred milliseconds). 1 means: run in this thread.
 */
export function workerCount(items: number, perWorker: number, requested?: number): number {
  if (requested !== undefined) return Math.max(1, Math.min(requested, items));
  return Math.max(1, Math.min(availableParallelism(), Math.floor(items / perWorker)));
}

/** The compiled worker script beside a module, or undefined when running from sources (tests), which run in-process. */
export function workerScript(url: URL): URL | undefined {
  return url.pathname.endsWith('.js') && existsSync(fileURLToPath(url)) ? url : undefined;
}

/** Splits items into `parts` contiguous runs of nearly equal length, in order. */
export function splitEvenly<T>(items: readonly T[], parts: number): T[][] {
  const out: T[][] = [];
  for (let p = 0; p < parts; p++) out.push(items.slice(Math.floor((p * items.length) / parts), Math.floor(((p + 1) * items.length) / parts)));
  return out;
}

/** Between the pool and a worker: the inputs go out with their part number, progress and outputs come back with it. */
type Message = { part: number } & ({ progress: number } | { result: unknown } | { error: { message: string; exitCode?: number; stack?: string } });

/**
 * Worker threads running `script`, started at once so that they load their modules while the
 * caller prepares the inputs. `run` gives each input to the next free worker: a caller may cut
 * the work into more parts than workers, so that a worker slowed down by a neighbour on a
 * shared machine does not hold the others up at the end.
 */
export class WorkerPool<I, O> {
  private readonly workers: Worker[];

  constructor(script: URL, size: number) {
    this.workers = Array.from({ length: size }, () => new Worker(script));
  }

  /** Every input's output, in input order; progress is the units done over all parts. */
  run(inputs: readonly I[], onProgress?: (done: number) => void): Promise<O[]> {
    const done = inputs.map(() => 0);
    const outputs: O[] = new Array(inputs.length);
    let next = 0;
    let answered = 0;
    return new Promise<O[]>((resolve, reject) => {
      if (inputs.length === 0) return resolve([]);
      let failed = false;
      /** This run's own listeners, removed when it settles (a pool runs again, and others may listen too). */
      // Worker.on's own listener type.
      type Listener = (...args: any[]) => void;
      const attached: [Worker, string, Listener][] = [];
      const listen = (w: Worker, event: string, f: Listener) => (w.on(event, f), attached.push([w, event, f]));
      const detach = () => attached.forEach(([w, event, f]) => w.off(event, f));
      const fail = (e: Error) => {
        if (failed) return;
        (failed = true), detach(), reject(e);
      };
      const feed = (w: Worker) => {
        if (next < inputs.length) w.postMessage({ part: next, input: inputs[next++] });
      };
      for (const w of this.workers) {
        let busy = false;
        listen(w, 'message', (m: Message) => {
          if ('progress' in m) {
            done[m.part] = m.progress;
            onProgress?.(done.reduce((a, b) => a + b, 0));
          } else if ('result' in m) {
            outputs[m.part] = m.result as O;
            busy = next < inputs.length;
            if (++answered === inputs.length) detach(), resolve(outputs);
            else feed(w);
          } else {
            const e = m.error.exitCode === 1 || m.error.exitCode === 2 ? new UserError(m.error.message, m.error.exitCode) : new Error(m.error.message);
            if (m.error.stack) e.stack = m.error.stack;
            fail(e);
          }
        });
        listen(w, 'error', fail);
        listen(w, 'exit', (code: number) => busy && fail(new Error(`a worker thread exited with code ${code} before answering`)));
        busy = next < inputs.length;
        feed(w);
      }
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Runs `script` once per input on a pool of `size` workers (default: one per input); outputs in input order. */
export async function runWorkers<I, O>(script: URL, inputs: readonly I[], onProgress?: (done: number) => void, size = inputs.length): Promise<O[]> {
  const pool = new WorkerPool<I, O>(script, Math.max(1, Math.min(size, inputs.length)));
  try {
    return await pool.run(inputs, onProgress);
  } finally {
    await pool.close();
  }
}

/** The worker side: answers each input posted to it with `work`'s output, or its error; it lives until the pool closes. */
export function serveWorker<I, O>(work: (input: I, progress: (done: number) => void) => O): void {
  if (isMainThread || !parentPort) return;
  const port = parentPort;
  port.on('message', ({ part, input }: { part: number; input: I }) => {
    try {
      const result = work(input, (done) => port.postMessage({ part, progress: done } satisfies Message));
      port.postMessage({ part, result } satisfies Message);
    } catch (e) {
      const err = e as Error;
      port.postMessage({ part, error: { message: err.message, ...(e instanceof UserError ? { exitCode: e.exitCode } : {}), ...(err.stack ? { stack: err.stack } : {}) } } satisfies Message);
    }
  });
}
