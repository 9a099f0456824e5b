// Each batch's sequences in ascending id order, so that llama.cpp decodes them in one pass.
// node-llama-cpp keeps one KV stream per sequence (it never asks for a unified cache), and then
// llama.cpp splits a batch (llama_batch_allocr::split_equal, "sequential") into passes that each
// take only sequences whose ids rise by one in the batch's order. node-llama-cpp adds sequences
// in the order they queued their tokens — with 4 streams 3, 2, 1, 0 — so every batch ran as one
// pass per sequence, each reading all the weights: 4 streams cost 4 × 1 stream, and the
// aggregate tokens/s did not grow (docs/performance.md, "In-process batching"). Sorted, the
// sequences in use that are consecutive (all 4 under load) share one pass.
// The additions are held until the decode and then made in order; the batch positions
// node-llama-cpp reads the logits at are filled in then, before it reads them (after the decode).
import { wrap, type AddonContext } from './addon-context.js';

type Addition = Parameters<AddonContext['addToBatch']>;

/** What the batch last handed to llama.cpp held (read by the decode loop's statistics). */
export interface BatchShape {
  sequences: number;
  tokens: number;
}

export function orderBatchesBySequence(addon: AddonContext): { readonly last: BatchShape } {
  const add = addon.addToBatch.bind(addon);
  let pending: { args: Addition; positions: Uint32Array }[] = [];
  const shape = { last: { sequences: 0, tokens: 0 } };
  wrap(addon, 'initBatch', (init) => (size) => {
    pending = [];
    init(size);
  });
  wrap(addon, 'addToBatch', () => (...args) => {
    const positions = new Uint32Array(args[3].length);
    pending.push({ args, positions });
    return positions;
  });
  wrap(addon, 'decodeBatch', (decode) => () => {
    const ordered = pending.sort((a, b) => a.args[0] - b.args[0]);
    pending = [];
    let tokens = 0;
    for (const { args, positions } of ordered) {
      positions.set(add(...args));
      tokens += args[2].length;
    }
    shape.last = { sequences: new Set(ordered.map(({ args }) => args[0])).size, tokens };
    return decode();
  });
  return shape;
}
