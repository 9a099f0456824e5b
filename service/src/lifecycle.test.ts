import { describe, expect, it } from 'vitest';
import { Lifecycle } from './lifecycle.js';

describe('Lifecycle', () => {
  it('drains at once when nothing is in flight', async () => {
    const l = new Lifecycle();
    expect(l.draining).toBe(false);
    expect(await l.drain(10_000)).toEqual({ inFlight: 0, cut: 0 });
    expect(l.draining).toBe(true);
  });

  it('waits for the requests in flight, and cuts nothing when they finish within the grace', async () => {
    const l = new Lifecycle();
    const end = l.begin();
    const cuts: string[] = [];
    l.onCut((why) => cuts.push(why));
    setTimeout(end, 50);
    const started = Date.now();
    expect(await l.drain(5_000)).toEqual({ inFlight: 1, cut: 0 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(cuts).toEqual([]);
  });

  it('cuts what is still running when the grace runs out, then waits for it to end', async () => {
    const l = new Lifecycle();
    const end = l.begin();
    const cuts: string[] = [];
    const stop = l.onCut((why) => (cuts.push(why), setTimeout(end, 20)));
    l.onCut(() => {})(); // finished work leaves the list
    const started = Date.now();
    expect(await l.drain(100)).toEqual({ inFlight: 1, cut: 1 });
    expect(cuts).toEqual(['shutdown']);
    expect(Date.now() - started).toBeLessThan(1_000);
    stop();
  });
});
