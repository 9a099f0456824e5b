// DecodeLoop's change 4 (a waiting erase gets the context's lock between two batches), driven
// through node-llama-cpp's own decode loop (LlamaContext.prototype.dispatchPendingBatch and
// _decodeTokens, 3.21.1) on a fake native context: decodes take a millisecond, batches hold 4 tokens (16 where said).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { LlamaContext } from 'node-llama-cpp';
import { describe, expect, it } from 'vitest';
import { DecodeLoop } from './decode-loop.js';

// The lock node-llama-cpp takes: lifecycle-utils as node-llama-cpp resolves it.
const fromLlama = createRequire(createRequire(import.meta.url).resolve('node-llama-cpp'));
const { withLock } = (await import(pathToFileURL(fromLlama.resolve('lifecycle-utils')).href)) as typeof import('lifecycle-utils');

/** Each batch's additions, as [sequence, first position, tokens]. */
type Batches = [number, number, number][][];

function fakeContext(sequences: number, batches: Batches = [], batchSize = 4): LlamaContext {
  const context = Object.create(LlamaContext.prototype) as LlamaContext;
  Object.assign(context, {
    _queuedDecodes: [],
    _queuedDecodeSequenceIds: new Set(),
    _dispatchDecodeScheduled: false,
    _batchDispatchPending: false,
    _currentDispatchBatchHandle: {},
    _totalSequences: sequences,
    _batchSize: batchSize,
    _batchingOptions: { dispatchSchedule: 'nextCycle', itemPrioritizationStrategy: 'maximumParallelism' },
    _disposed: false,
    _backendContextDisposeGuard: { createPreventDisposalHandle: () => ({ dispose() {} }) },
    _llama: { gpu: false, _threadsSplitter: { createConsumer: () => ({ getAllocationToConsume: () => null, dispose() {} }) } },
    _ctx: {
      initBatch: () => void batches.push([]),
      addToBatch: (seq: number, first: number, tokens: Uint32Array, logits: Uint32Array) => (batches.at(-1)!.push([seq, first, tokens.length]), Uint32Array.from(logits)),
      decodeBatch: () => new Promise((resolve) => setTimeout(resolve, 1)),
      sampleToken: async () => 1,
      setThreads() {},
    },
  });
  return context;
}

/**
 * A sequence as DecodeLoop sees it: `decode` queues tokens the way LlamaContextSequence does;
 * its erase takes the context's lock and, given kept tokens, evaluates them again after the
 * lock, as node-llama-cpp does when a model's KV cells cannot be removed (sliding-window and
 * recurrent models).
 */
function fakeSequence(context: LlamaContext, loop: DecodeLoop, id: number) {
  const internals = context as unknown as { _decodeTokens(item: object, mapLogits: () => number): Promise<unknown> };
  let next = 0;
  const seq = {
    _takeIntervalCheckpointIfNeededAfterBatch() {},
    decode: (tokens: number) => {
      const first = next;
      next += tokens;
      return internals._decodeTokens({ sequenceId: id, tokens: Array<number>(tokens).fill(1), logits: [], firstTokenSequenceIndex: first, afterBatchAction: seq._takeIntervalCheckpointIfNeededAfterBatch }, () => 1);
    },
    async _eraseContextTokenRanges(keptTokens = 0) {
      let again: Promise<unknown> | undefined;
      await withLock([context, 'context'], async () => {
        if (keptTokens > 0) again = seq.decode(keptTokens);
      });
      await again;
    },
  };
  loop.adopt(seq as never);
  return seq;
}

/** Waits, a millisecond at a time, until `ready` holds. */
async function until(ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise((r) => setTimeout(r, 1));
}

/** One sequence decodes `tokens` tokens one at a time, as an answer does; `done` counts them. */
function stream(seq: ReturnType<typeof fakeSequence>, tokens: number) {
  const state = { done: 0, finished: undefined as unknown as Promise<void> };
  state.finished = (async () => {
    for (let i = 0; i < tokens; i++) await seq.decode(1), state.done++;
  })();
  return state;
}

/**
 * Sequences 1–3 each stream an answer of `tokens` tokens; once the first has 3, sequence 0 (its
 * held tokens erased first, when `erase`) evaluates a 5-token prompt beside them. Batches of up to 16.
 */
async function promptBesideAnswers(tokens: number, opts: { erase: boolean }) {
  const batches: Batches = [];
  const context = fakeContext(4, batches, 16);
  const loop = new DecodeLoop(context);
  const seqs = [0, 1, 2, 3].map((id) => fakeSequence(context, loop, id));
  const answers = [1, 2, 3].map((id) => stream(seqs[id]!, tokens));
  await until(() => answers[0]!.done >= 3);
  if (opts.erase) await seqs[0]!._eraseContextTokenRanges();
  await Promise.all([seqs[0]!.decode(5), ...answers.map((a) => a.finished)]);
  return { batches, loop };
}

describe('DecodeLoop: erases between batches', () => {
  it('an erase that waits while another sequence decodes gets the lock at the next batch, not when that answer ends', async () => {
    const context = fakeContext(2);
    const loop = new DecodeLoop(context);
    const [first, second] = [fakeSequence(context, loop, 0), fakeSequence(context, loop, 1)];
    const answer = stream(second, 60);
    await until(() => answer.done >= 3);
    const from = answer.done;
    await first._eraseContextTokenRanges();
    // Before: the decode loop held the lock until the answer's 60th token.
    expect(answer.done - from).toBeLessThanOrEqual(3);
    await answer.finished;
    expect(answer.done).toBe(60);
  });

  it.each([
    ['alone', false],
    ['while another sequence decodes', true],
  ])('an erase that evaluates kept tokens again after the lock (more than a batch) ends, %s', async (_what, beside) => {
    const context = fakeContext(2);
    const loop = new DecodeLoop(context);
    const [first, second] = [fakeSequence(context, loop, 0), fakeSequence(context, loop, 1)];
    const answer = beside ? stream(second, 40) : undefined;
    if (answer) await until(() => answer.done >= 2);
    // Before the fix the kept tokens' last part was held back until the erase ended: neither ever did.
    const settled = await Promise.race([first._eraseContextTokenRanges(10).then(() => 'settled'), new Promise((r) => setTimeout(() => r('still waiting after 2 s'), 2000))]);
    expect(settled).toBe('settled');
    await answer?.finished;
    expect(answer?.done ?? 40).toBe(40);
  });

  it('a new prompt decodes beside the other sequences’ next tokens, each token once', async () => {
    const { batches } = await promptBesideAnswers(30, { erase: true });
    // Before: with every sequence counted as queued, the prompt started a batch of its own at once.
    const withPrompt = batches.find((b) => b.some(([seq, , tokens]) => seq === 0 && tokens === 5))!;
    expect(withPrompt.map(([seq]) => seq).sort()).toEqual([0, 1, 2, 3]);
    const decoded = batches.flat().flatMap(([seq, first, tokens]) => Array.from({ length: tokens }, (_, i) => `${seq}:${first + i}`));
    expect(decoded.length).toBe(3 * 30 + 5);
    expect(new Set(decoded).size).toBe(decoded.length);
  });
});

describe('DecodeLoop: statistics', () => {
  it('counts batches by how many sequences they held, and a prompt’s batches apart from one-token steps', async () => {
    const { batches, loop } = await promptBesideAnswers(20, { erase: false });
    const stats = loop.stats();
    // What the fake addon was handed, batch by batch.
    const tokens = (b: Batches[number]) => b.reduce((n, [, , t]) => n + t, 0);
    const widths = (bs: Batches) => {
      const out: Record<number, number> = {};
      for (const b of bs) {
        const width = new Set(b.map(([seq]) => seq)).size;
        out[width] = (out[width] ?? 0) + 1;
      }
      return out;
    };
    const withPrompt = batches.filter((b) => b.some(([, , t]) => t > 1));
    const steps = batches.filter((b) => !withPrompt.includes(b));
    expect(withPrompt.length).toBe(1);
    expect(stats).toMatchObject({
      prompt: { batches: widths(withPrompt), tokens: tokens(withPrompt[0]!) },
      generation: { batches: widths(steps), tokens: 3 * 20 + 5 - tokens(withPrompt[0]!) },
    });
    // The prompt decoded beside the three answers' next tokens.
    expect(stats.prompt.batches).toEqual({ 4: 1 });
    // A copy: what the caller does with it changes nothing in the loop's own.
    stats.prompt.batches[4] = 99;
    stats.generation.tokens = 0;
    expect(loop.stats()).toMatchObject({ prompt: { batches: { 4: 1 } }, generation: { tokens: 3 * 20 + 5 - tokens(withPrompt[0]!) } });
    // Each fake decode takes at least a millisecond.
    expect(stats.generation.seconds).toBeGreaterThanOrEqual(steps.length * 0.0009);
    expect(stats.prompt.seconds).toBeGreaterThanOrEqual(0.0009);
  });
});
