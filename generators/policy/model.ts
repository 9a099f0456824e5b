// The local model: its extension matches its format, a present file matches its sha256, and
// weights + KV cache + runtime fit under the memory limit with headroom (capacity pre-flight).
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { GgufError, kvCacheBytes, modelShape, readGgufHeader, type ModelShape } from '../gguf/read.js';
import { formatBytes, parseBytes } from '../text/quantity.js';
import type { Policy, PolicyContext } from './policy.js';

/** Fraction of the memory limit kept free (the memory alert fires at 90 %). */
export const HEADROOM_FRACTION = 0.1;
/** Node, fastify and llama.cpp's own buffers, measured ≈ 130–190 MiB on small models. */
export const RUNTIME_OVERHEAD_BYTES = 192 * 2 ** 20;

interface ModelFacts {
  bytes: number;
  shape?: ModelShape;
  sha256?: string;
}

/** Header and digest of a present file, cached per path+size+mtime for the run. */
const factsCache = new Map<string, ModelFacts | Error>();
function readModelFacts(file: string): ModelFacts | Error {
  const st = statSync(file);
  const id = `${file}:${st.size}:${st.mtimeMs}`;
  let facts = factsCache.get(id);
  if (!facts) {
    try {
      const header = readGgufHeader(file);
      facts = { bytes: header.fileSize, shape: modelShape(header), sha256: createHash('sha256').update(readFileSync(file)).digest('hex') };
    } catch (e) {
      if (!(e instanceof GgufError)) throw e;
      facts = e;
    }
    factsCache.set(id, facts);
  }
  return facts;
}

export const modelFile: Policy = {
  rules: ['model-extension', 'model-size-unknown', 'model-unreadable', 'model-sha256', 'capacity', 'capacity-partial'],
  reads: ['/model', '/inference', '/resources'],
  check(ctx) {
    const { config, report } = ctx;
    const model = config.model;
    if (model.source !== 'local') return;
    if (!model.path.toLowerCase().endsWith(`.${model.format}`)) report('model-extension', { path: model.path, format: model.format }, '/model/path');

    const local = join(ctx.modelsDir, basename(model.path));
    let facts: ModelFacts;
    if (ctx.exists(local)) {
      const read = readModelFacts(local);
      if (read instanceof Error) return report('model-unreadable', { path: local, reason: read.message }, '/model/path');
      facts = read;
      if (facts.sha256 !== model.sha256) report('model-sha256', { path: local, expected: model.sha256, got: facts.sha256! }, '/model/sha256');
    } else if (model.sizeBytes !== undefined) {
      facts = { bytes: model.sizeBytes };
    } else {
      return report('model-size-unknown', { path: model.path }, '/model', 'key');
    }
    checkCapacity(ctx, facts, local);
  },
};

function checkCapacity(ctx: PolicyContext, facts: ModelFacts, local: string): void {
  const { config, report } = ctx;
  const model = config.model as Extract<typeof config.model, { source: 'local' }>;
  const sequences = config.inference.parallelSequences;
  const tokens = model.contextSize * sequences;
  const kv = facts.shape ? kvCacheBytes(facts.shape, tokens) : 0;
  const limit = parseBytes(config.resources.memory);
  const usable = Math.floor(limit * (1 - HEADROOM_FRACTION));
  const need = facts.bytes + kv + RUNTIME_OVERHEAD_BYTES;

  if (!facts.shape) report('capacity-partial', { path: basename(local) }, '/model/sizeBytes');
  if (need <= usable) return;

  const kvPart = facts.shape ? ` + KV cache ${formatBytes(kv)} for ${model.contextSize} tokens × ${sequences} sequences` : '';
  const perK = facts.shape ? kvCacheBytes(facts.shape, 1024 * sequences) : 0;
  const lower = facts.shape
    ? `Lower model.contextSize (each 1024 tokens costs ${formatBytes(perK)} across ${sequences} sequences) or inference.parallelSequences, or raise resources.memory to at least ${formatBytes(Math.ceil(need / (1 - HEADROOM_FRACTION)))}.`
    : `Use a smaller model or raise resources.memory to at least ${formatBytes(Math.ceil(need / (1 - HEADROOM_FRACTION)))}.`;
  report(
    'capacity',
    {
      need: formatBytes(need),
      limit: formatBytes(usable),
      breakdown: `weights ${formatBytes(facts.bytes)}${kvPart} + runtime ${formatBytes(RUNTIME_OVERHEAD_BYTES)}; limit ${config.resources.memory} less ${HEADROOM_FRACTION * 100}% headroom`,
      lower,
    },
    // Reported where the environment sized its model: that is the line a reviewer just changed.
    facts.shape ? '/model/contextSize' : '/model/sizeBytes',
  );
}
