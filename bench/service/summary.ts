// The serving-speed table of issue 24 in one place: the tokens and runtime sections each record
// the decoding rates they measured (every run), and main.ts prints them side by side at the end:
// node-llama-cpp directly, the service in-process, llama.cpp's llama-server built for this
// machine, and the deployed pair — median and spread at 1 and 4 streams, and what 4 gain over 1.
import { median, type Table } from './table.js';

export interface Rates {
  /** Aggregate tokens/s of every run at 1 stream, and at 4. */
  one: number[];
  four: number[];
}

const ORDER = ['direct', 'service', 'native', 'pair'] as const;
type Key = (typeof ORDER)[number];
const recorded = new Map<Key, { label: string; rates: Rates }>();

export function recordRates(key: Key, label: string, rates: Rates): void {
  recorded.set(key, { label, rates });
}

/** "median (min–max)" of the runs; the median alone for one run. */
export function spread(xs: number[]): string {
  if (xs.length === 1) return xs[0]!.toFixed(0);
  return `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
}

const pct = (a: number, b: number) => `${Math.round((100 * a) / b)} %`;

export function summaryTable(): Table | undefined {
  if (recorded.size === 0) return undefined;
  const m = (k: Key, n: keyof Rates) => {
    const r = recorded.get(k);
    return r ? median(r.rates[n]) : undefined;
  };
  const targets: NonNullable<Table['targets']> = [];
  const [d1, s1, s4, n1, n4, p1, p4] = [m('direct', 'one'), m('service', 'one'), m('service', 'four'), m('native', 'one'), m('native', 'four'), m('pair', 'one'), m('pair', 'four')];
  if (s1 && s4) targets.push({ target: 'in-process service: 4 streams ≥ 1.6× the aggregate of 1', measured: `${(s4 / s1).toFixed(2)}×`, met: s4 >= 1.6 * s1 });
  if (d1 && s1) targets.push({ target: 'in-process service ≥ 95 % of node-llama-cpp directly at 1 stream', measured: pct(s1, d1), met: s1 >= 0.95 * d1 });
  if (n1 && p1) targets.push({ target: 'deployed pair ≥ 90 % of native llama-server, 1 stream (medians)', measured: pct(p1, n1), met: p1 >= 0.9 * n1 });
  if (n4 && p4) targets.push({ target: 'deployed pair ≥ 90 % of native llama-server, 4 streams (medians)', measured: pct(p4, n4), met: p4 >= 0.9 * n4 });
  return {
    title: 'Serving speed: every decoding path side by side (tokens/s)',
    note: 'The same seeded 58M F16 model, 2 threads, 4 sequences or slots, up to 128 tokens an answer at temperature 0, from the sections above; each cell is the median of its runs with their range.',
    columns: ['path', '1 stream', '4 streams', '4 / 1', 'runs'],
    rows: ORDER.filter((k) => recorded.has(k)).map((k) => {
      const { label, rates } = recorded.get(k)!;
      return [label, spread(rates.one), spread(rates.four), `${(median(rates.four) / median(rates.one)).toFixed(2)}×`, Math.min(rates.one.length, rates.four.length)];
    }),
    targets,
  };
}
