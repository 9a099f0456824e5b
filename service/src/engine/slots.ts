// A bounded pool: N slots (the context's sequences), and a queue of at most `maxWaiting`
// requests for them. A full queue rejects at once (429 with Retry-After) instead of piling up
// latency.
import { ApiError } from '../errors.js';

export class Slots<T> {
  private readonly free: T[];
  private readonly waiting: { resolve: (slot: T) => void; reject: (e: Error) => void; signal: AbortSignal; onAbort: () => void }[] = [];

  constructor(
    slots: T[],
    private readonly maxWaiting: number,
    private readonly onDepth: (depth: number) => void = () => {},
  ) {
    this.free = [...slots];
  }

  get depth(): number {
    return this.waiting.length;
  }

  acquire(signal: AbortSignal): Promise<T> {
    const slot = this.free.pop();
    if (slot !== undefined) return Promise.resolve(slot);
    if (this.waiting.length >= this.maxWaiting) return Promise.reject(new ApiError('queue_full', { waiting: this.maxWaiting }));
    return new Promise<T>((resolve, reject) => {
      const entry = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) this.waiting.splice(i, 1), this.onDepth(this.waiting.length);
          reject(new Error('aborted while queued'));
        },
      };
      signal.addEventListener('abort', entry.onAbort, { once: true });
      this.waiting.push(entry);
      this.onDepth(this.waiting.length);
    });
  }

  release(slot: T): void {
    const next = this.waiting.shift();
    if (next) {
      next.signal.removeEventListener('abort', next.onAbort);
      this.onDepth(this.waiting.length);
      next.resolve(slot);
    } else this.free.push(slot);
  }
}
