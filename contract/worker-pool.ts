// Work split over worker threads, for commands whose environments are independent (render,
// plan). Each worker gets one input and answers one output; progress may be posted meanwhile.
// Callers split the work into contiguous, ordered parts and merge the outputs in that order,
// so the result does not depend on how many workers ran. A worker's UserError reaches the
// caller as the same one-line UserError.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { UserError } from './run-main.js';

type Message = { progress: number } | { result: unknown } | { error: { message: string; exitCode?: number; stack?: string } };

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

/** Runs `script` once per input, all at once; outputs in input order. Progress is the units done over all parts. */
export async function runWorkers<I, O>(script: URL, inputs: readonly I[], onProgress?: (done: number) => void): Promise<O[]> {
  const workers: Worker[] = [];
  const done = inputs.map(() => 0);
  try {
    return await Promise.all(
      inputs.map(
        (input, part) =>
          new Promise<O>((resolve, reject) => {
            const w = new Worker(script, { workerData: input });
            workers.push(w);
            let settled = false;
            w.on('message', (m: Message) => {
              if ('progress' in m) {
                done[part] = m.progress;
                onProgress?.(done.reduce((a, b) => a + b, 0));
              }
              else if ('result' in m) (settled = true), resolve(m.result as O);
              else {
                settled = true;
                const e = m.error.exitCode === 1 || m.error.exitCode === 2 ? new UserError(m.error.message, m.error.exitCode) : new Error(m.error.message);
                if (m.error.stack) e.stack = m.error.stack;
                reject(e);
              }
            });
            w.on('error', (e) => ((settled = true), reject(e)));
            w.on('exit', (code) => {
              if (!settled) reject(new Error(`a worker thread exited with code ${code} before answering`));
            });
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** The worker side: answers `workerData` with `work`'s output, or its error. */
export function serveWorker<I, O>(work: (input: I, progress: (done: number) => void) => O): void {
  if (isMainThread || !parentPort) return;
  const port = parentPort;
  try {
    const result = work(workerData as I, (done) => port.postMessage({ progress: done } satisfies Message));
    port.postMessage({ result } satisfies Message);
  } catch (e) {
    const err = e as Error;
    port.postMessage({ error: { message: err.message, ...(e instanceof UserError ? { exitCode: e.exitCode } : {}), ...(err.stack ? { stack: err.stack } : {}) } } satisfies Message);
  }
}
