// bench/service, tokens section: where the in-process service's time went while 1 or 4 requests
// were kept in flight, from its own decode series on /metrics (smartbot_decode_*, read before
// and after each window): one-token steps, batches that evaluated a prompt, and the rest —
// between batches (sampling, the service's JavaScript, HTTP). It shows why 4 streams give the
// aggregate they give: a step of 4 sequences against a step of 1, and the prompts' share.
import { METRICS } from '../../contract/telemetry.js';
import type { Table } from './table.js';

interface Kind {
  tokens: number;
  seconds: number;
  /** Batches, and sequences summed over them. */
  batches: number;
  sequences: number;
}

/** The service's decode counters at one instant, all models together. */
export interface DecodeCounters {
  prompt: Kind;
  generation: Kind;
}

/** The decode series from the service's /metrics (on its public port: the bench's config has no admin port). */
export async function readDecodeCounters(url: string): Promise<DecodeCounters> {
  const res = await fetch(`${url}/metrics`);
  const body = await res.text();
  if (!res.ok || !body.includes(`${METRICS.decodeSeconds}{`)) throw new Error(`${url}/metrics answered ${res.status} without ${METRICS.decodeSeconds}: is the service in-process, with /metrics on its public port?`);
  const samples = (name: string, batch: string) =>
    [...body.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))].filter((m) => m[1]!.includes(`batch="${batch}"`)).map((m) => ({ labels: m[1]!, value: Number(m[2]) }));
  const kind = (batch: string): Kind => {
    const sum = (name: string) => samples(name, batch).reduce((n, s) => n + s.value, 0);
    const batches = samples(METRICS.decodeBatches, batch);
    return {
      tokens: sum(METRICS.decodeTokens),
      seconds: sum(METRICS.decodeSeconds),
      batches: batches.reduce((n, s) => n + s.value, 0),
      sequences: batches.reduce((n, s) => n + s.value * Number(/sequences="(\d+)"/.exec(s.labels)?.[1] ?? 0), 0),
    };
  };
  return { prompt: kind('prompt'), generation: kind('generation') };
}

/** Decode totals over measurement windows, by how many requests were kept in flight. */
export class DecodeTime {
  private readonly spent = new Map<number, { wallSeconds: number; prompt: Kind; generation: Kind }>();

  /** One window: the totals before and after it, and its wall time. */
  add(concurrent: number, before: DecodeCounters, after: DecodeCounters, wallSeconds: number): void {
    const zero = (): Kind => ({ tokens: 0, seconds: 0, batches: 0, sequences: 0 });
    const s = this.spent.get(concurrent) ?? { wallSeconds: 0, prompt: zero(), generation: zero() };
    s.wallSeconds += wallSeconds;
    for (const k of ['prompt', 'generation'] as const) for (const f of ['tokens', 'seconds', 'batches', 'sequences'] as const) s[k][f] += after[k][f] - before[k][f];
    this.spent.set(concurrent, s);
  }

  table(what: string): Table {
    const share = (x: number, wall: number) => `${Math.round((100 * x) / wall)} %`;
    // The widest window's one-token steps against 1 stream's: their mean width and relative cost.
    const widest = Math.max(...this.spent.keys());
    const [one, many] = [this.spent.get(1)?.generation, this.spent.get(widest)?.generation];
    let after: string | undefined;
    if (one?.batches && many?.batches && widest > 1) {
      const width = many.sequences / many.batches;
      const cost = many.seconds / many.batches / (one.seconds / one.batches);
      after = `With ${widest} streams a one-token step held ${width.toFixed(2)} sequences and cost ${cost.toFixed(2)}× a step of 1 stream: batching the steps alone gives at most ${(width / cost).toFixed(2)}× the tokens/s of 1 stream; the prompts' share of the time, which batching does not make cheaper per token, is what takes the rest.`;
    }
    return {
      title: "Where the service's time went",
      note: `${what}; summed over every run's window, from the service's own decode series on /metrics (smartbot_decode_*): one-token steps (each sequence in the batch decodes its next token), batches that evaluated a prompt (beside the other sequences' next tokens), and the rest of the wall time — between batches (sampling, the service's JavaScript, HTTP) or idle.`,
      columns: ['concurrent', 'one-token steps', 'ms a step', 'sequences a step', 'batches with a prompt', 'prompt batch tokens/s', 'between batches'],
      rows: [...this.spent]
        .sort((a, b) => a[0] - b[0])
        .map(([n, s]) => [
          n,
          share(s.generation.seconds, s.wallSeconds),
          s.generation.batches ? ((1000 * s.generation.seconds) / s.generation.batches).toFixed(2) : '—',
          s.generation.batches ? (s.generation.sequences / s.generation.batches).toFixed(2) : '—',
          share(s.prompt.seconds, s.wallSeconds),
          s.prompt.seconds ? (s.prompt.tokens / s.prompt.seconds).toFixed(0) : '—',
          share(s.wallSeconds - s.prompt.seconds - s.generation.seconds, s.wallSeconds),
        ]),
      ...(after ? { after } : {}),
    };
  }
}
