// The native context node-llama-cpp decodes with (LlamaContext._ctx), for the engine's changes
// to its decode loop (decode-loop.ts, batch-order.ts). node-llama-cpp 3.21.1 is pinned exactly;
// these reach into its internals and fail loudly at load if an upgrade moved them.
import type { LlamaContext } from 'node-llama-cpp';

/** The addon context's methods the engine wraps. */
export interface AddonContext {
  initBatch(size: number): void;
  /** Adds one sequence's tokens; returns the batch positions of the tokens that get logits. */
  addToBatch(sequenceId: number, firstTokenIndex: number, tokens: Uint32Array, logitIndexes: Uint32Array): Uint32Array;
  decodeBatch(): Promise<void>;
  sampleToken(...args: unknown[]): Promise<unknown>;
}

export function moved(what: string): Error {
  return new Error(`node-llama-cpp's internals changed (${what}): service/src/engine/decode-loop.ts needs updating for this version`);
}

export function addonOf(context: LlamaContext): AddonContext {
  const addon = (context as unknown as { _ctx?: AddonContext })._ctx;
  if (!addon) throw moved('LlamaContext._ctx');
  return addon;
}

/** Replaces a method of the native addon object (its own properties are read-only, not frozen). */
export function wrap<K extends keyof AddonContext>(addon: AddonContext, name: K, make: (original: AddonContext[K]) => AddonContext[K]): void {
  if (typeof addon[name] !== 'function') throw moved(`LlamaContext._ctx.${name}`);
  Object.defineProperty(addon, name, { value: make(addon[name].bind(addon) as AddonContext[K]), configurable: true });
}
