// The local model: its extension matches its format, a present file matches its sha256, and
// weights + KV cache + overhead fit under the memory limit with headroom (the GGUF library's
// pre-flight, the same one the engine and model_loader run).
import { statSync } from 'node:fs';
import { basename, join, posix } from 'node:path';
import { parseBytes } from '../../contract/quantity.js';
import { PATHS } from '../../contract/service-config.js';
import { formatBytes } from '../../gguf/bytes.js';
import { fitReport, HEADROOM_FRACTION } from '../../gguf/fit.js';
import { inspectModelSync, ModelFileError, type ModelInspection } from '../../gguf/inspect.js';
import type { Policy, PolicyContext } from './policy.js';

/** A present file is read and hashed once per run, however many environments name it. */
const inspected = new Map<string, ModelInspection | ModelFileError>();
function inspectOnce(file: string): ModelInspection | ModelFileError {
  // Models may be links into a cache, but a pipe or a device would block or never end.
  const st = statSync(file);
  if (!st.isFile()) return new ModelFileError(file, 'not a regular file');
  const id = `${file}:${st.size}:${st.mtimeMs}`;
  let found = inspected.get(id);
  if (!found) {
    try {
      found = inspectModelSync(file);
    } catch (e) {
      if (!(e instanceof ModelFileError)) throw e;
      found = e;
    }
    inspected.set(id, found);
  }
  return found;
}

export const modelFile: Policy = {
  rules: ['model-extension', 'model-path', 'model-size-unknown', 'model-unreadable', 'model-sha256', 'capacity', 'capacity-partial'],
  reads: ['/model', '/inference', '/resources'],
  check(ctx) {
    const { config, report } = ctx;
    const model = config.model;
    if (model.source !== 'local') return;
    if (!model.path.toLowerCase().endsWith(`.${model.format}`)) report('model-extension', { path: model.path, format: model.format }, '/model/path');
    // The schema makes it absolute; `..` would still leave the models volume.
    if (posix.normalize(model.path) !== model.path || model.path.endsWith('/'))
      report('model-path', { path: model.path, suggestion: posix.join(PATHS.models, posix.basename(model.path)) }, '/model/path');

    if (!ctx.readModelFiles) {
      if (model.sizeBytes !== undefined) checkCapacity(ctx, model.sizeBytes);
      return;
    }
    const local = join(ctx.modelsDir, basename(model.path));
    if (ctx.exists(local)) {
      const found = inspectOnce(local);
      if (found instanceof ModelFileError) return report('model-unreadable', { path: local, reason: found.reason }, '/model/path');
      if (found.sha256 !== model.sha256) report('model-sha256', { path: local, expected: model.sha256, got: found.sha256 }, '/model/sha256');
      checkCapacity(ctx, found.sizeBytes, found);
    } else if (model.sizeBytes !== undefined) {
      report('capacity-partial', { path: basename(local) }, '/model/sizeBytes');
      checkCapacity(ctx, model.sizeBytes);
    } else report('model-size-unknown', { path: model.path }, '/model', 'key');
  },
};

function checkCapacity(ctx: PolicyContext, weightsBytes: number, file?: ModelInspection): void {
  const { config, report } = ctx;
  const model = config.model as Extract<typeof config.model, { source: 'local' }>;
  const fit = fitReport(
    { weightsBytes, ...(file ? { shape: file.shape } : {}), contextSize: model.contextSize, sequences: config.inference.parallelSequences, limitBytes: parseBytes(config.resources.memory) },
    { contextSize: 'model.contextSize', sequences: 'inference.parallelSequences', memory: 'resources.memory' },
  );
  if (fit.fits) return;
  report(
    'capacity',
    { need: formatBytes(fit.need), limit: formatBytes(fit.usable), breakdown: `${fit.breakdown}; limit ${config.resources.memory} less ${HEADROOM_FRACTION * 100}% headroom`, advice: fit.advice! },
    // Reported where the environment sized its model: that is the line a reviewer just changed.
    file ? '/model/contextSize' : '/model/sizeBytes',
  );
}
