// The local model: its extension matches its format, a present file matches its sha256, and
// weights + KV cache + runtime fit under the memory limit with headroom (capacity pre-flight).
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { estimateMemory, HEADROOM_FRACTION } from '../gguf/capacity.js';
import { GgufError, kvCacheBytes, modelShape, readGgufHeader, type ModelShape } from '../gguf/read.js';
import { formatBytes, parseBytes } from '../text/quantity.js';
import type { Policy, PolicyContext } from './policy.js';


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
  const m = estimateMemory({ weightsBytes: facts.bytes, ...(facts.shape ? { shape: facts.shape } : {}), contextSize: model.contextSize, sequences, limitBytes: parseBytes(config.resources.memory) });

  if (!facts.shape) report('capacity-partial', { path: basename(local) }, '/model/sizeBytes');
  if (m.fits) return;

  const kvPart = facts.shape ? ` + KV cache ${formatBytes(m.kvCache)} for ${model.contextSize} tokens × ${sequences} sequences` : '';
  const perK = facts.shape ? kvCacheBytes(facts.shape, 1024 * sequences) : 0;
  const lower = facts.shape
    ? `Lower model.contextSize (each 1024 tokens costs ${formatBytes(perK)} across ${sequences} sequences) or inference.parallelSequences, or raise resources.memory to at least ${formatBytes(m.limitNeeded)}.`
    : `Use a smaller model or raise resources.memory to at least ${formatBytes(m.limitNeeded)}.`;
  report(
    'capacity',
    {
      need: formatBytes(m.need),
      limit: formatBytes(m.usable),
      breakdown: `weights ${formatBytes(m.weights)}${kvPart} + runtime ${formatBytes(m.runtime)}; limit ${config.resources.memory} less ${HEADROOM_FRACTION * 100}% headroom`,
      lower,
    },
    // Reported where the environment sized its model: that is the line a reviewer just changed.
    facts.shape ? '/model/contextSize' : '/model/sizeBytes',
  );
}
