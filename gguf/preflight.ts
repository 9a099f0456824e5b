// The pre-flight of local models before anything loads them: each file read as GGUF and
// checked against its sha256, then their weights + KV cache + overhead against the memory they
// share (fit.ts). One home for the check the runtime (node-llama-cpp or llama-server) runs at
// start; `smartbot validate` runs the same fit synchronously (validation/policy/model.ts), and
// both name the settings with environmentKnobs, so the advice reads the same everywhere.
import { formatBytes } from './bytes.js';
import { sharedFit, type FitKnobs, type FitReport } from './fit.js';
import { inspectModel, ModelFileError, type ModelInspection } from './inspect.js';

/** A model the pre-flight refuses: the process exits 1 with this line (the service wraps it as its UserError). */
export class PreflightRefusal extends Error {}

/**
 * The environment's names for the settings the advice can change, for the model written at
 * `model` (a single model) or `models[i]`. model_loader names its own flags instead.
 */
export function environmentKnobs(model = 'model'): FitKnobs {
  return { contextSize: `${model}.contextSize`, sequences: 'inference.parallelSequences', memory: 'resources.memory' };
}

export interface PreflightModel {
  /** The id clients choose it by (named in the breakdown when there are several). */
  id: string;
  /** Where the file is read from. */
  path: string;
  sha256: string;
  contextSize: number;
  /** The environment's name of its context size: `model.contextSize`, `models[1].contextSize`. */
  contextKnob: string;
}

export interface PreflightResult {
  files: ModelInspection[];
  fit: FitReport;
}

/** Verifies each file, then the fit of all of them together; throws a PreflightRefusal naming what to change. */
export async function preflight(models: PreflightModel[], sequences: number, limitBytes: number): Promise<PreflightResult> {
  const files: ModelInspection[] = [];
  for (const m of models) {
    let file;
    try {
      file = await inspectModel(m.path);
    } catch (e) {
      if (e instanceof ModelFileError) throw new PreflightRefusal(`cannot read model ${e.message}`);
      throw e;
    }
    if (file.sha256 !== m.sha256) throw new PreflightRefusal(`model file corrupt: expected ${m.sha256} got ${file.sha256} (${m.path})`);
    files.push(file);
  }
  const fit = sharedFit(
    models.map((m, i) => ({ id: m.id, contextKnob: m.contextKnob, weightsBytes: files[i]!.sizeBytes, shape: files[i]!.shape, contextSize: m.contextSize })),
    sequences,
    limitBytes,
    environmentKnobs(),
  );
  if (!fit.fits) {
    const what = models.length === 1 ? 'model does not fit: it needs' : `the ${models.length} local models do not fit together: they need`;
    throw new PreflightRefusal(`${what} ${formatBytes(fit.need)} (${fit.breakdown}) but only ${formatBytes(fit.usable)} of the ${formatBytes(limitBytes)} limit is usable. ${fit.advice}`);
  }
  return { files, fit };
}
