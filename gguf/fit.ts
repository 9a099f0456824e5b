// Does a local model fit its memory limit? Weights + KV cache + engine overhead against the
// usable part of the limit, and the one piece of advice that would make it fit. The single
// estimate behind `smartbot validate`, the local engine and model_loader.
import { formatBytes } from './bytes.js';
import { kvCacheBytes, type ModelShape } from './read.js';

/** Fraction of the memory limit kept free (the memory alert fires at 90 %). */
export const HEADROOM_FRACTION = 0.1;
/** Node, fastify and llama.cpp's own buffers beside weights and KV cache: measured ≈ 130–190 MiB on small models. */
export const ENGINE_OVERHEAD_BYTES = 192 * 2 ** 20;

export interface FitInput {
  weightsBytes: number;
  /** Unknown when the model file is not at hand: the KV cache is then not counted. */
  shape?: ModelShape;
  contextSize: number;
  sequences: number;
  limitBytes: number;
}

/** What each caller calls the three settings the advice can name. */
export interface FitKnobs {
  contextSize: string;
  sequences: string;
  memory: string;
}

export interface FitReport {
  weights: number;
  /** 0 when the shape is unknown. */
  kvCache: number;
  overhead: number;
  need: number;
  usable: number;
  fits: boolean;
  /** The memory limit that would fit `need`. */
  limitNeeded: number;
  /** "weights 1.2 GiB + KV cache … + overhead 192.0 MiB" */
  breakdown: string;
  /** What to change, naming the caller's settings; absent when it fits. */
  advice?: string;
}

const round256Down = (n: number) => Math.floor(n / 256) * 256;

export function fitReport(o: FitInput, knobs: FitKnobs): FitReport {
  const kvCache = o.shape ? kvCacheBytes(o.shape, o.contextSize * o.sequences) : 0;
  const need = o.weightsBytes + kvCache + ENGINE_OVERHEAD_BYTES;
  const usable = Math.floor(o.limitBytes * (1 - HEADROOM_FRACTION));
  const limitNeeded = Math.ceil(need / (1 - HEADROOM_FRACTION));
  const kvPart = o.shape ? ` + KV cache ${formatBytes(kvCache)} for ${o.contextSize} tokens × ${o.sequences} sequence${o.sequences === 1 ? '' : 's'}` : '';
  const report: FitReport = {
    weights: o.weightsBytes,
    kvCache,
    overhead: ENGINE_OVERHEAD_BYTES,
    need,
    usable,
    fits: need <= usable,
    limitNeeded,
    breakdown: `weights ${formatBytes(o.weightsBytes)}${kvPart} + overhead ${formatBytes(ENGINE_OVERHEAD_BYTES)}`,
  };
  if (report.fits) return report;
  const raise = `raise ${knobs.memory} to at least ${formatBytes(limitNeeded)}`;
  const forKv = usable - o.weightsBytes - ENGINE_OVERHEAD_BYTES;
  // Only the KV cache shrinks with the context and the sequences; when the weights alone do not
  // fit, no context size helps.
  if (!o.shape || forKv <= 0) {
    const fixed = o.shape ? `The weights and the engine overhead alone need ${formatBytes(o.weightsBytes + ENGINE_OVERHEAD_BYTES)}: ` : '';
    report.advice = `${fixed}use a smaller (more quantised) model, or ${raise}.`.replace(/^./, (c) => c.toUpperCase());
    return report;
  }
  const perToken = kvCacheBytes(o.shape, 1);
  const maxContext = round256Down(forKv / (perToken * o.sequences));
  const maxSequences = Math.floor(forKv / (perToken * o.contextSize));
  const options = [
    maxContext >= 256 ? `lower ${knobs.contextSize} to at most ${maxContext}` : undefined,
    maxSequences >= 1 ? `lower ${knobs.sequences} to at most ${maxSequences}` : undefined,
    raise,
  ].filter(Boolean);
  report.advice = `${options.join(', or ').replace(/^./, (c) => c.toUpperCase())}.`;
  return report;
}
