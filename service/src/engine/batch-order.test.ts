import { describe, expect, it } from 'vitest';
import type { AddonContext } from './addon-context.js';
import { orderBatchesBySequence } from './batch-order.js';

/** An addon that records what reaches it, numbering batch positions as llama.cpp's batch does. */
function fakeAddon() {
  const added: number[] = [];
  let size = 0;
  const addon: AddonContext = {
    initBatch: () => {
      size = 0;
    },
    addToBatch: (sequenceId, _first, tokens, logitIndexes) => {
      added.push(sequenceId);
      const positions = Uint32Array.from(logitIndexes, (i) => size + i);
      size += tokens.length;
      return positions;
    },
    decodeBatch: async () => {},
    sampleToken: async () => 0,
  };
  return { addon, added };
}

describe('orderBatchesBySequence', () => {
  it('adds a batch’s sequences in ascending order at the decode, and gives each the positions of its logits there', async () => {
    const { addon, added } = fakeAddon();
    const batch = orderBatchesBySequence(addon);
    addon.initBatch(6);
    const three = addon.addToBatch(3, 10, Uint32Array.of(7), Uint32Array.of(0));
    const zero = addon.addToBatch(0, 20, Uint32Array.of(5, 6, 7, 8), Uint32Array.of(3));
    const one = addon.addToBatch(1, 30, Uint32Array.of(9), Uint32Array.of(0));
    expect(added).toEqual([]);
    await addon.decodeBatch();
    expect(added).toEqual([0, 1, 3]);
    expect([...zero, ...one, ...three]).toEqual([3, 4, 5]);
    expect(batch.last).toEqual({ sequences: 3, tokens: 6 });
    // The next batch starts empty.
    addon.initBatch(1);
    addon.addToBatch(2, 40, Uint32Array.of(1), Uint32Array.of(0));
    await addon.decodeBatch();
    expect(added).toEqual([0, 1, 3, 2]);
    expect(batch.last).toEqual({ sequences: 1, tokens: 1 });
  });
});
