// How the local engine drives node-llama-cpp's decode loop (LlamaContext.dispatchPendingBatch):
// three changes to node-llama-cpp 3.21.1 (pinned exactly) that none of its options can express.
// All reach into its internals (addon-context.ts), and fail loudly at load if an upgrade moved them.
//
// 1. Sampling, one sequence at a time (correctness). After a batch, node-llama-cpp samples each
//    sequence's token on libuv's pool, all at once. llama.cpp reorders a batch's output rows
//    lazily, on the first read of the logits (llama_get_logits_ith → output_reorder: the rows
//    come out of order when a batch mixes sequences, e.g. one's prompt with the others' next
//    tokens), and two pool threads reading at once both apply the swaps: a sequence then samples
//    another sequence's logits, and a greedy reply repeats or skips a token ("… for real real
//    answers."). With UV_THREADPOOL_SIZE=1 (npm start, the images) the pool runs one job at a
//    time; any other start (a test runner, `node dist/service/src/entries/main.js`) raced.
// 2. Full batches (speed). After each decode the loop builds the next batch from the sequences
//    that have queued their next token by then, a few microtasks after the last sample resolves.
//    The sequence sampled last is still on its way through LlamaChat then, so it always missed
//    the batch: with 4 streams every batch held 3 tokens (measured: bench/service, "Tokens/s
//    through the service"). The loop awaits a per-sequence hook after each batch; here that
//    hook waits one event-loop turn, by which time every sequence that got a token has queued
//    its next one. The turn costs one setImmediate per batch.
// 3. One pass per batch (speed): the batch's sequences in ascending order (batch-order.ts says why).
// 4. New requests start between batches (speed). A request whose prompt departs from what its
//    sequence holds first erases the rest (LlamaContextSequence._eraseContextTokenRanges), under
//    the context's lock. The decode loop holds that lock for as long as any sequence has a token
//    queued, and with (2) a decoding sequence always has: a request arriving while others
//    decoded waited until all of them had finished their answers, and 4 concurrent requests ran
//    as groups one after the other ("3", then "0 1 2"; measured: bench/service "Tokens/s
//    through the service"). Here, when an erase is under way at the end of a batch's turn, the
//    queued tokens are set aside, so that the loop ends and hands the lock over, and queued
//    again one turn later: the loop they restart asks for the lock behind the erase (its queue
//    is first come, first served), and the next batch holds them and the new request's prompt.
//    They come back whatever the erase does next: one that must evaluate kept tokens again
//    after the lock (its KV cells could not be removed: sliding-window and recurrent models)
//    queues them like any sequence, and would wait forever for tokens held back until it ends.
import type { LlamaContext, LlamaContextSequence } from 'node-llama-cpp';
import { addonOf, moved, wrap } from './addon-context.js';
import { orderBatchesBySequence } from './batch-order.js';

/**
 * What llama.cpp decoded for this context since the model loaded (/metrics, the bench and the
 * tests read it), for two kinds of batch apart: `prompt`, where a sequence gave more than one
 * token (a prompt, beside the other sequences' next tokens, which count with it), and
 * `generation`, one token a sequence (a held prompt's re-evaluated last token included): batches
 * by how many sequences they held, tokens, and seconds. Wall time less both kinds' seconds is
 * what the service spent between batches.
 */
export interface DecodeStats {
  prompt: DecodeTotals;
  generation: DecodeTotals;
}

export interface DecodeTotals {
  /** Batches by how many sequences each held. */
  batches: Record<number, number>;
  tokens: number;
  seconds: number;
}

/** The hook LlamaContext's decode loop awaits for each sequence after a batch (bound per sequence). */
const AFTER_BATCH = '_takeIntervalCheckpointIfNeededAfterBatch';
/** A sequence's erase of the tokens a new prompt departs from; it waits for the context's lock. */
const ERASE = '_eraseContextTokenRanges';

/** The decode loop's queue (LlamaContext internals): the loop runs while it holds anything. */
interface DecodeQueue {
  _queuedDecodes: { sequenceId: number }[];
  /** The sequences with a decode queued: once all have one, the loop starts at once, without waiting for the next turn. */
  _queuedDecodeSequenceIds: Set<number>;
  /** Starts the loop (or leaves it to the one already scheduled). */
  _scheduleDecode(): void;
}

function queueOf(context: LlamaContext): DecodeQueue {
  const q = context as unknown as Partial<DecodeQueue>;
  if (!Array.isArray(q._queuedDecodes)) throw moved('LlamaContext._queuedDecodes');
  if (!(q._queuedDecodeSequenceIds instanceof Set)) throw moved('LlamaContext._queuedDecodeSequenceIds');
  if (typeof q._scheduleDecode !== 'function') throw moved('LlamaContext._scheduleDecode');
  return q as DecodeQueue;
}

export class DecodeLoop {
  /** The event-loop turn the decode loop waits for after the current batch; made by the first sequence's hook. */
  private turn: Promise<void> | undefined;
  private readonly totals: DecodeStats = { prompt: { batches: {}, tokens: 0, seconds: 0 }, generation: { batches: {}, tokens: 0, seconds: 0 } };
  private readonly queue: DecodeQueue;
  /** Erases called and not yet done: while the loop runs, they wait for its lock (or evaluate kept tokens again). */
  private erasing = 0;

  constructor(context: LlamaContext) {
    this.queue = queueOf(context);
    const addon = addonOf(context);
    const batch = orderBatchesBySequence(addon);
    wrap(addon, 'decodeBatch', (decode) => () => {
      this.turn = undefined;
      const decoded = decode();
      // Timed from when the batch is built and queued for libuv's pool: with one pool thread
      // (UV_THREADPOOL_SIZE=1), a decode or sample of another model queued before it counts too.
      const started = performance.now();
      const { sequences, tokens } = batch.last;
      if (sequences === 0) return decoded;
      // Counted once decoded, all three together: a scrape never sees a batch's tokens without its time, nor a failed one.
      return decoded.then((done) => {
        const totals = tokens > sequences ? this.totals.prompt : this.totals.generation;
        totals.batches[sequences] = (totals.batches[sequences] ?? 0) + 1;
        totals.tokens += tokens;
        totals.seconds += (performance.now() - started) / 1000;
        return done;
      });
    });
    let previous: Promise<unknown> = Promise.resolve();
    wrap(addon, 'sampleToken', (sample) => (...args) => {
      const next = previous.then(() => sample(...args));
      previous = next.catch(() => undefined);
      return next;
    });
  }

  /**
   * Makes the decode loop wait, after each batch this sequence is in, for every sequence to queue
   * its next token (change 2), and counts this sequence's erases while they are under way (change 4).
   */
  adopt(sequence: LlamaContextSequence): LlamaContextSequence {
    const internals = sequence as unknown as { [AFTER_BATCH]: (stateLength: number) => unknown; [ERASE]: (...args: unknown[]) => Promise<void> };
    const { [AFTER_BATCH]: after, [ERASE]: erase } = internals;
    if (typeof after !== 'function') throw moved(`LlamaContextSequence.${AFTER_BATCH}`);
    if (typeof erase !== 'function') throw moved(`LlamaContextSequence.${ERASE}`);
    internals[AFTER_BATCH] = (stateLength) => {
      const turn = (this.turn ??= new Promise<void>((resolve) =>
        setImmediate(() => {
          if (this.erasing > 0) this.handOver();
          resolve();
        }),
      ));
      const own = after(stateLength);
      return own instanceof Promise ? own.then(() => turn) : turn;
    };
    internals[ERASE] = (...args) => {
      this.erasing++;
      return erase.apply(sequence, args).finally(() => this.erasing--);
    };
    return sequence;
  }

  /**
   * Ends the decode loop after this batch (its queue reads empty), and queues the tokens again one
   * turn later, by when the lock has passed to what waited for it (change 4 above). Were a token
   * queued meanwhile, the loop goes on and finds the others back in its queue. Their sequences
   * leave the queued set meanwhile: with every sequence counted there, the new request's prompt
   * would start a batch of its own at once, and the others wait a whole prompt for theirs.
   */
  private handOver(): void {
    const { _queuedDecodes: queued, _queuedDecodeSequenceIds: ids } = this.queue;
    const held = queued.splice(0);
    if (held.length === 0) return;
    for (const d of held) ids.delete(d.sequenceId);
    setImmediate(() => {
      queued.push(...held);
      for (const d of held) ids.add(d.sequenceId);
      this.queue._scheduleDecode();
    });
  }

  /** What was decoded since the model loaded: a copy, for the tests, /metrics and the bench. */
  stats(): DecodeStats {
    const copy = (t: DecodeTotals) => ({ ...t, batches: { ...t.batches } });
    return { prompt: copy(this.totals.prompt), generation: copy(this.totals.generation) };
  }
}
