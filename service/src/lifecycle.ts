// The service's shutdown, in order: on SIGTERM readiness fails at once and new requests get 503
// with Retry-After (hooks/drain.ts), the answers in flight get the grace period to finish, then
// whatever is still running is cut (a stream ends with an error event) and the app closes.

/** Why an answer's work was aborted: its client went away, or the grace period ran out. */
export type CutReason = 'client-gone' | 'shutdown';

export class Lifecycle {
  private state: 'serving' | 'draining' = 'serving';
  private inFlight = 0;
  private readonly cutters = new Set<(why: CutReason) => void>();
  private readonly idle = new Set<() => void>();

  get draining(): boolean {
    return this.state === 'draining';
  }

  /** A request is being answered until the returned function is called. */
  begin(): () => void {
    this.inFlight++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inFlight--;
      if (this.inFlight === 0) for (const resolve of this.idle) resolve();
    };
  }

  /** Work that stops when `cut` is called at the end of the grace period; call the result when it is done. */
  onCut(cut: (why: CutReason) => void): () => void {
    this.cutters.add(cut);
    return () => this.cutters.delete(cut);
  }

  /**
   * Stops taking requests and waits up to `graceMs` for those in flight; then cuts the rest and
   * waits (briefly) for their answers to end. Resolves with how many were cut.
   */
  async drain(graceMs: number, settleMs = 2000): Promise<{ inFlight: number; cut: number }> {
    this.state = 'draining';
    const inFlight = this.inFlight;
    if (!(await this.whenIdle(graceMs))) {
      const cut = this.cutters.size;
      for (const c of [...this.cutters]) c('shutdown');
      await this.whenIdle(settleMs);
      return { inFlight, cut };
    }
    return { inFlight, cut: 0 };
  }

  private whenIdle(ms: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (idle: boolean) => {
        clearTimeout(timer);
        this.idle.delete(onIdle);
        resolve(idle);
      };
      const onIdle = () => done(true);
      const timer = setTimeout(() => done(false), ms);
      this.idle.add(onIdle);
    });
  }
}
