// Memory a local model needs at run time: weights + KV cache + runtime overhead, against the
// usable part of a memory limit. Shared by the validate pre-flight and the service's loader.
import { kvCacheBytes, type ModelShape } from './read.js';

/** Fraction of the memory limit kept free (the memory alert fires at 90 %). */
export const HEADROOM_FRACTION = 0.1;
/** Node, fastify and llama.cpp's own buffers, measured ≈ 130–190 MiB on small models. */
export const RUNTIME_OVERHEAD_BYTES = 192 * 2 ** 20;

export interface MemoryEstimate {
  weights: number;
  /** 0 when the model's shape is unknown (file not present). */
  kvCache: number;
  runtime: number;
  need: number;
  usable: number;
  fits: boolean;
  /** The memory limit that would fit `need`. */
  limitNeeded: number;
}

export function estimateMemory(o: { weightsBytes: number; shape?: ModelShape; contextSize: number; sequences: number; limitBytes: number }): MemoryEstimate {
  const kvCache = o.shape ? kvCacheBytes(o.shape, o.contextSize * o.sequences) : 0;
  const need = o.weightsBytes + kvCache + RUNTIME_OVERHEAD_BYTES;
  const usable = Math.floor(o.limitBytes * (1 - HEADROOM_FRACTION));
  return { weights: o.weightsBytes, kvCache, runtime: RUNTIME_OVERHEAD_BYTES, need, usable, fits: need <= usable, limitNeeded: Math.ceil(need / (1 - HEADROOM_FRACTION)) };
}
