// Model: the guide's "corrupt model" row, and whether the model fits. The local GGUF file is
// looked up by name in the models directory (as validate does): present, its sha256 as
// configured (the guide checks MD5; smartbot pins sha256), its GGUF header readable, and weights
// + KV cache + overhead under the memory limit, with the capacity report.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import type { LocalModel } from '../../contract/environment.js';
import type { LocalServedModel } from '../../contract/models.js';
import { formatBytes } from '../../gguf/bytes.js';
import { buildDemoModel, DEMO_MODEL_FILE } from '../../gguf/demo-model.js';
import { HEADROOM_FRACTION, sharedFit, type SharedFitModel } from '../../gguf/fit.js';
import { environmentKnobs } from '../../gguf/preflight.js';
import { sha256File } from '../../gguf/inspect.js';
import { GgufError, modelShape, readGgufHeader, type GgufHeader, type ModelShape } from '../../gguf/read.js';
import { ok, problem, reason, skip, type Check, type DoctorContext, type Finding } from './check.js';
import { localModels, remoteModels, type Named } from './models.js';

const section = 'Model';

let demoSha: string | undefined;
/** The demo model is deterministic: the same bytes, so the same sha256, on every machine. */
const DEMO_MODEL_SHA256 = () => (demoSha ??= createHash('sha256').update(buildDemoModel()).digest('hex'));

export type ModelFile =
  | { state: 'remote' }
  | { state: 'missing'; path: string }
  | { state: 'not-a-file'; path: string }
  | {
      state: 'read';
      path: string;
      /** Not made yet: `npm start` makes the built-in demo model, so its bytes were checked from the maker. */
      demoToBeMade?: { at: string };
      size: number;
      sha256: string;
      header?: { header: GgufHeader; shape: ModelShape };
      headerError?: string;
    };

/** Temporary copies, removed when the run's checks are done (runDoctor) or, failing that, when the process exits. */
const copies: string[] = [];
export const removeDemoCopies = () => copies.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true }));
let removedOnExit = false;

/** The built-in demo model's bytes in a temporary file. */
function demoModelCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'smartbot-doctor-'));
  copies.push(dir);
  if (!removedOnExit) (removedOnExit = true), process.once('exit', removeDemoCopies);
  const path = join(dir, DEMO_MODEL_FILE);
  writeFileSync(path, buildDemoModel());
  return path;
}

/** A local model's file, hashed and its header read once per run (the load check reuses it). */
export function modelFile(ctx: DoctorContext, model: LocalModel): Promise<ModelFile> {
  return ctx.once(`model-file:${model.path}`, async () => {
    let path = join(ctx.modelsDir, basename(model.path));
    let demoToBeMade: { at: string } | undefined;
    let size: number;
    try {
      const st = statSync(path);
      // A pipe or a device would never finish hashing.
      if (!st.isFile()) return { state: 'not-a-file', path };
      size = st.size;
    } catch {
      // A fresh clone has no models/demo.gguf until `npm start` makes it: check what it will make.
      if (basename(model.path) !== DEMO_MODEL_FILE || model.sha256 !== DEMO_MODEL_SHA256()) return { state: 'missing', path };
      demoToBeMade = { at: path };
      path = demoModelCopy();
      size = statSync(path).size;
    }
    const sha256 = await sha256File(path);
    try {
      const header = readGgufHeader(path);
      return { state: 'read', path, ...(demoToBeMade ? { demoToBeMade } : {}), size, sha256, header: { header, shape: modelShape(header) } };
    } catch (e) {
      return { state: 'read', path, ...(demoToBeMade ? { demoToBeMade } : {}), size, sha256, headerError: e instanceof GgufError ? e.message : reason(e) };
    }
  });
}

/** Does the file exist, hash to model.sha256 and read as GGUF? The load check needs all three. */
export const modelFileUsable = (f: ModelFile, model: LocalModel) => f.state === 'read' && f.sha256 === model.sha256 && f.header !== undefined;

export const modelFileCheck: Check = {
  section,
  async run(ctx) {
    const local = localModels(ctx);
    if (!local.length) return [skip(section, 'model-file', `remote model (${remoteModels(ctx).map((r) => r.model.endpoint).join(', ')}): no local file to check`)];
    const findings: Finding[] = [];
    const sized: SharedFitModel[] = [];
    for (const n of local) {
      const r = await fileFindings(ctx, n);
      findings.push(...r.findings);
      if (r.sized) sized.push(r.sized);
    }
    // The local models share the pod: they fit together, or not at all.
    if (sized.length === local.length) findings.push(fitFinding(ctx, sized));
    else if (local.length > 1) findings.push(skip(section, 'model-fit', 'memory fit not checked: it needs every local model present with a readable header'));
    return findings;
  },
};

/** One local model's file: present, its sha256, its header; what the fit needs when it can be sized. */
async function fileFindings(ctx: DoctorContext, { model, field, label }: Named<LocalServedModel>): Promise<{ findings: Finding[]; sized?: SharedFitModel }> {
  const file = await modelFile(ctx, model);
  if (file.state === 'remote') return { findings: [] };
  const shown = relative('.', file.path) || file.path;
  if (file.state === 'missing')
    return {
      findings: [
        problem(section, 'model-present', `${label}model file ${shown} is missing (${field}.path ${model.path} is looked up by name in ${relative('.', ctx.modelsDir) || ctx.modelsDir}/)`, {
          why: 'the service verifies and loads the model at start; without the file it exits with "cannot read model … no such file" and never becomes ready',
          fix: `Copy the model to ${shown} (in a cluster it lives on the models volume as ${model.path}).`,
        }),
      ],
    };
  if (file.state === 'not-a-file') return { findings: [problem(section, 'model-present', `${label}${shown} is not a regular file`, { why: 'the service could not hash or load it', fix: `Replace ${shown} with the GGUF model file.` })] };

  const findings: Finding[] = [
    file.demoToBeMade
      ? ok(section, 'model-present', `${label}${relative('.', file.demoToBeMade.at) || file.demoToBeMade.at} is not made yet: \`npm start\` makes the built-in demo model there (${formatBytes(file.size)}); the checks below use the bytes it will write`)
      : ok(section, 'model-present', `${label}${shown} is present (${formatBytes(file.size)})`),
  ];
  if (file.sha256 === model.sha256) findings.push(ok(section, 'model-sha256', `${label}sha256 matches ${field}.sha256 (${model.sha256.slice(0, 12)}…); the deployment guide's MD5 check is this sha256 check in smartbot`));
  else
    findings.push(
      problem(section, 'model-sha256', `${label}sha256 of ${shown} is ${file.sha256}, but ${field}.sha256 is ${model.sha256}`, {
        why: 'the file is corrupt or not the configured model: the service refuses to load it ("model file corrupt: expected … got …"). (The deployment guide checks MD5; smartbot pins sha256.)',
        fix: `Restore the file (download it again until \`sha256sum ${shown}\` prints ${model.sha256}), or, if the model was replaced on purpose, set \`${field}.sha256: ${file.sha256}\` in ${ctx.envFile}.`,
      }),
    );
  if (!file.header) {
    findings.push(
      problem(section, 'model-header', `${label}the GGUF header of ${shown} is unreadable: ${file.headerError}`, {
        why: 'llama.cpp cannot load a file it cannot parse: the service exits 1 at start',
        fix: `The file is damaged or not a GGUF model: download it again (a complete download hashes to ${field}.sha256).`,
      }),
    );
    if (!label) findings.push(skip(section, 'model-fit', 'memory fit not checked: it needs the layer sizes from a readable header'));
    return { findings };
  }
  const { header, shape } = file.header;
  findings.push(ok(section, 'model-header', `${label}GGUF header readable: ${shape.architecture}, ${shape.layers} layer${shape.layers === 1 ? '' : 's'}, ${header.tensors.length} tensors, trained context ${shape.contextLength}`));
  return { findings, sized: { id: model.id, weightsBytes: file.size, shape, contextSize: model.contextSize, contextKnob: environmentKnobs(field).contextSize } };
}

/** Weights + KV cache + overhead of the local models together against the memory limit. */
function fitFinding(ctx: DoctorContext, sized: SharedFitModel[]): Finding {
  const fit = sharedFit(sized, ctx.config.inference.parallelSequences, ctx.service.limits.memoryBytes, environmentKnobs());
  const report = `needs ${formatBytes(fit.need)} (${fit.breakdown}) of ${formatBytes(fit.usable)} usable (resources.memory ${ctx.config.resources.memory} less ${HEADROOM_FRACTION * 100}% headroom)`;
  const what = sized.length > 1 ? `the ${sized.length} local models together ` : '';
  if (fit.fits) return ok(section, 'model-fit', `${what}fit${what ? '' : 's'} the memory limit: ${report}`);
  return problem(section, 'model-fit', `${what}do${what ? '' : 'es'} not fit the memory limit: ${report}`, {
    why: 'the service refuses to load a model that would not fit; loaded anyway, it would be killed for memory (or, on a GPU, fail with "CUDA out of memory")',
    fix: `${fit.advice!.replace(/\.$/, '')} in ${ctx.envFile}.`,
  });
}
