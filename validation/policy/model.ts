// The local models: each path ends in its format's extension, a present file matches its
// sha256, and all of them — they share the pod — fit under the memory limit with headroom
// together: weights + KV cache + overhead of each (the GGUF library's pre-flight, the same one
// the runtime and model_loader run).
import { statSync } from 'node:fs';
import { basename, join, posix } from 'node:path';
import { isLocal, modelSet, type LocalServedModel } from '../../contract/models.js';
import { parseBytes } from '../../contract/quantity.js';
import { PATHS } from '../../contract/service-config.js';
import { formatBytes } from '../../gguf/bytes.js';
import { HEADROOM_FRACTION, sharedFit, type SharedFitModel } from '../../gguf/fit.js';
import { inspectModelSync, ModelFileError, type ModelInspection } from '../../gguf/inspect.js';
import { environmentKnobs } from '../../gguf/preflight.js';
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

/** A local model as the capacity check sees it, with where it is written. */
interface Sized extends SharedFitModel {
  pointer: string;
  /** Read from the file (its KV cache counted), or taken from sizeBytes. */
  fromFile: boolean;
}

export const modelFile: Policy = {
  rules: ['model-extension', 'model-path', 'model-size-unknown', 'model-unreadable', 'model-sha256', 'capacity', 'capacity-partial'],
  reads: ['/model', '/models', '/defaultModel', '/inference', '/resources'],
  check(ctx) {
    if (ctx.config.model && ctx.config.models) return; // models-both
    const set = modelSet(ctx.config);
    const sized: Sized[] = [];
    let unsized = false;
    set.models.forEach((model, i) => {
      if (!isLocal(model)) return;
      const s = checkFile(ctx, model, set.pointers[i]!, set.names[i]!);
      if (s) sized.push(s);
      else unsized = true;
    });
    // Together or not at all: a model that cannot be sized leaves the sum unknown.
    if (sized.length && !unsized) checkCapacity(ctx, sized);
  },
};

/** One local model's file checks; what the capacity check needs, or undefined when it cannot be sized. */
function checkFile(ctx: PolicyContext, model: LocalServedModel, pointer: string, field: string): Sized | undefined {
  const { report } = ctx;
  if (!model.path.toLowerCase().endsWith(`.${model.format}`)) report('model-extension', { path: model.path, format: model.format, field }, `${pointer}/path`);
  // The schema makes it absolute; `..` would still leave the models volume.
  if (posix.normalize(model.path) !== model.path || model.path.endsWith('/'))
    report('model-path', { path: model.path, suggestion: posix.join(PATHS.models, posix.basename(model.path)) }, `${pointer}/path`);

  const base = { id: model.id, contextSize: model.contextSize, contextKnob: environmentKnobs(field).contextSize, pointer };
  if (!ctx.readModelFiles) return model.sizeBytes === undefined ? undefined : { ...base, weightsBytes: model.sizeBytes, fromFile: false };
  const local = join(ctx.modelsDir, basename(model.path));
  if (ctx.exists(local)) {
    ctx.watch(local);
    const found = inspectOnce(local);
    if (found instanceof ModelFileError) return void report('model-unreadable', { path: local, reason: found.reason }, `${pointer}/path`);
    if (found.sha256 !== model.sha256) report('model-sha256', { path: local, expected: model.sha256, got: found.sha256 }, `${pointer}/sha256`);
    return { ...base, weightsBytes: found.sizeBytes, shape: found.shape, fromFile: true };
  }
  if (model.sizeBytes !== undefined) {
    report('capacity-partial', { path: basename(local) }, `${pointer}/sizeBytes`);
    return { ...base, weightsBytes: model.sizeBytes, fromFile: false };
  }
  report('model-size-unknown', { path: model.path, field }, pointer, 'key');
  return undefined;
}

function checkCapacity(ctx: PolicyContext, models: Sized[]): void {
  const { config, report } = ctx;
  const fit = sharedFit(models, config.inference.parallelSequences, parseBytes(config.resources.memory), environmentKnobs());
  if (fit.fits) return;
  // Reported where the environment sized the model that needs the most: that is the line a
  // reviewer just changed, or the one to change.
  const biggest = models[fit.largest]!;
  report(
    'capacity',
    {
      subject: models.length > 1 ? `the ${models.length} local models sharing the pod need` : 'model needs',
      need: formatBytes(fit.need),
      limit: formatBytes(fit.usable),
      breakdown: `${fit.breakdown}; limit ${config.resources.memory} less ${HEADROOM_FRACTION * 100}% headroom`,
      advice: fit.advice!,
    },
    `${biggest.pointer}/${biggest.fromFile ? 'contextSize' : 'sizeBytes'}`,
  );
}
