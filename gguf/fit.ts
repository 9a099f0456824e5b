// Do local models fit their memory limit? Weights + KV cache + engine overhead of each model,
// together, against the usable part of the limit, and the one piece of advice that would make
// them fit. The single estimate behind `smartbot validate`, the runtime's pre-flight
// (preflight.ts), `smartbot doctor` and model_loader. One model is the common case; several
// are the local models of one environment, which share its pod.
import { formatBytes } from './bytes.js';
import { kvCacheBytes, type ModelShape } from './read.js';

/** Fraction of the memory limit kept free (the memory alert fires at 90 %). */
export const HEADROOM_FRACTION = 0.1;
/** Node, fastify and llama.cpp's own buffers beside weights and KV cache: measured ≈ 130–190 MiB on small models. Counted once per model: each has its own engine. */
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

/** One of several models sharing a limit: its id, and what the caller calls its context size. */
export interface SharedFitModel extends Omit<FitInput, 'sequences' | 'limitBytes'> {
  id: string;
  contextKnob: string;
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
  /** "weights 1.2 GiB + KV cache … + overhead 192.0 MiB" (several models: "id: …; id: …") */
  breakdown: string;
  /** What to change, naming the caller's settings; absent when it fits. */
  advice?: string;
  /** Index of the model that needs the most (weights + KV cache): the one the advice's context names. */
  largest: number;
}

const round256Down = (n: number) => Math.floor(n / 256) * 256;
const capitalised = (s: string) => s.replace(/^./, (c) => c.toUpperCase());

/** One model against its limit. */
export function fitReport(o: FitInput, knobs: FitKnobs): FitReport {
  const { sequences, limitBytes, ...model } = o;
  return sharedFit([{ ...model, id: '', contextKnob: knobs.contextSize }], sequences, limitBytes, knobs);
}

/**
 * Models that share one memory limit (each with its own engine, so its own overhead), every
 * one holding `sequences` sequences. The advice names one change: the context of the model
 * whose KV cache is largest, the sequences, or the limit; when the weights alone leave no
 * room, smaller models.
 */
export function sharedFit(models: SharedFitModel[], sequences: number, limitBytes: number, knobs: Pick<FitKnobs, 'sequences' | 'memory'>): FitReport {
  const one = models.length === 1;
  const kv = models.map((m) => (m.shape ? kvCacheBytes(m.shape, m.contextSize * sequences) : 0));
  const weights = models.reduce((n, m) => n + m.weightsBytes, 0);
  const kvCache = kv.reduce((n, k) => n + k, 0);
  const overhead = ENGINE_OVERHEAD_BYTES * models.length;
  const need = weights + kvCache + overhead;
  const usable = Math.floor(limitBytes * (1 - HEADROOM_FRACTION));
  const limitNeeded = Math.ceil(need / (1 - HEADROOM_FRACTION));
  const parts = models.map((m, i) => {
    const kvPart = m.shape ? ` + KV cache ${formatBytes(kv[i]!)} for ${m.contextSize} tokens × ${sequences} sequence${sequences === 1 ? '' : 's'}` : '';
    return `${one ? '' : `${m.id}: `}weights ${formatBytes(m.weightsBytes)}${kvPart} + overhead ${formatBytes(ENGINE_OVERHEAD_BYTES)}`;
  });
  const needs = models.map((m, i) => m.weightsBytes + kv[i]!);
  const report: FitReport = { weights, kvCache, overhead, need, usable, fits: need <= usable, limitNeeded, breakdown: parts.join('; '), largest: needs.indexOf(Math.max(...needs)) };
  if (report.fits) return report;
  const raise = `raise ${knobs.memory} to at least ${formatBytes(limitNeeded)}`;
  const forKv = usable - weights - overhead;
  const shaped = models.every((m) => m.shape);
  // Only the KV cache shrinks with the context and the sequences; when the weights alone do not
  // fit, no context size helps.
  if (!shaped || forKv <= 0) {
    const fixed = shaped ? `The weights and the engine overhead${one ? '' : ` of the ${models.length} models`} alone need ${formatBytes(weights + overhead)}: ` : '';
    report.advice = capitalised(`${fixed}use ${one ? 'a smaller (more quantised) model' : 'smaller (more quantised) models'}, or ${raise}.`);
    return report;
  }
  const perToken = models.map((m) => kvCacheBytes(m.shape!, 1));
  // The context to lower is the largest KV cache's; the others keep theirs.
  const j = kv.indexOf(Math.max(...kv));
  const maxContext = round256Down((forKv - (kvCache - kv[j]!)) / (perToken[j]! * sequences));
  const maxSequences = Math.floor(forKv / models.reduce((n, m, i) => n + perToken[i]! * m.contextSize, 0));
  const options = [
    maxContext >= 256 ? `lower ${models[j]!.contextKnob} to at most ${maxContext}` : undefined,
    maxSequences >= 1 ? `lower ${knobs.sequences} to at most ${maxSequences}` : undefined,
    raise,
  ].filter(Boolean);
  report.advice = `${capitalised(options.join(', or '))}.`;
  return report;
}
