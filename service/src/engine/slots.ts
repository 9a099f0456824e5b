// A bounded pool: N slots (the context's sequences), and a queue of at most `maxWaiting`
// requests for them. A full queue rejects at once (429 with Retry-After) instead of piling up
// latency. Free slots are not all alike (a sequence keeps the tokens it last evaluated), so a
// request may say which it prefers; queued requests are served first come, first served.
import { ApiError } from '../errors.js';

export class Slots<T> {
  private readonly free: T[];
  private readonly waiting: { resolve: (slot: T) => void; reject: (e: Error) => void; signal: AbortSignal; onAbort: () => void }[] = [];

  private readonly size: number;

  constructor(
    slots: T[],
    private readonly maxWaiting: number,
  ) {
    this.free = [...slots];
    this.size = slots.length;
  }

  get depth(): number {
    return this.waiting.length;
  }

  /** Slots handed out and not yet released. */
  get busy(): number {
    return this.size - this.free.length;
  }

  /** Throws queue_full when a request now would have neither a slot nor a place in the queue. */
  checkCapacity(): void {
    if (this.free.length === 0 && this.waiting.length >= this.maxWaiting) throw new ApiError('queue_full', { waiting: this.maxWaiting });
  }

  /** A free slot (the one `prefer` scores highest; on a tie, the most recently released), else a place in the queue. */
  acquire(signal: AbortSignal, prefer?: (slot: T) => number): Promise<T> {
    if (this.free.length > 0) {
      let best = this.free.length - 1;
      if (prefer) {
        let top = prefer(this.free[best]!);
        for (let i = best - 1; i >= 0; i--) {
          const score = prefer(this.free[i]!);
          if (score > top) (top = score), (best = i);
        }
      }
      return Promise.resolve(this.free.splice(best, 1)[0]!);
    }
    if (this.waiting.length >= this.maxWaiting) return Promise.reject(new ApiError('queue_full', { waiting: this.maxWaiting }));
    return new Promise<T>((resolve, reject) => {
      const entry = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(new Error('aborted while queued'));
        },
      };
      signal.addEventListener('abort', entry.onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  release(slot: T): void {
    const next = this.waiting.shift();
    if (next) {
      next.signal.removeEventListener('abort', next.onAbort);
      next.resolve(slot);
    } else this.free.push(slot);
  }
}
