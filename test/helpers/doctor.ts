// A temporary repository with the dev environment (edited as a test needs) and its model file,
// and doctor contexts over it with any host fact replaced.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { doctorContext } from '../../cli/doctor.js';
import type { DoctorContext, Finding } from '../../cli/doctor/check.js';
import type { HostFacts } from '../../cli/doctor/host.js';
import { buildDemoModel, DEMO_MODEL_FILE } from '../../gguf/demo-model.js';
import { tempRepo, type TempRepo } from './repo.js';
import { repoRoot } from './env.js';

export interface DoctorRepo extends TempRepo {
  ctx(host?: Partial<HostFacts>): DoctorContext;
}

/** dev.yaml passed through `edit`; models/demo.gguf is `model` (default: the demo model), or absent. */
export function doctorRepo(edit: (devYaml: string) => string = (y) => y, model: Buffer | 'none' = buildDemoModel()): DoctorRepo {
  const repo = tempRepo(['dev']);
  const dev = join(repo.root, 'environments/dev.yaml');
  writeFileSync(dev, edit(readFileSync(dev, 'utf8')));
  if (model !== 'none') repo.write(`models/${DEMO_MODEL_FILE}`, model);
  return { ...repo, ctx: (host = {}) => doctorContext({ root: repo.root, env: 'dev', host }) };
}

/** The findings of one check id. */
export const findings = (all: Finding[], check: string) => all.filter((f) => f.check === check);

/** models/demo.gguf in the repository itself, made as `npm start` makes it (atomically: other tests read it). */
export function ensureDemoModel(): void {
  const dir = join(repoRoot, 'models');
  const file = join(dir, DEMO_MODEL_FILE);
  try {
    if (readFileSync(file).equals(buildDemoModel())) return;
  } catch {
    // missing: made below
  }
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, buildDemoModel());
  renameSync(tmp, file);
}
