// `smartbot render [--env NAME] [--out DIR] [--check] [--format text|json|github]`
// Validates first; an invalid environment prints the validate report and nothing is written.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { hasErrors } from '../validation/diagnostics.js';
import { staleCount, type RenderOutcome } from '../validation/format/format.js';
import { FORMATTERS } from '../validation/format/index.js';
import { renderEnvironment } from '../generators/index.js';
import { compareTree, writeTree, type Drift } from '../generators/output.js';
import { refusalMessage, RepoFiles, repoPath } from '../validation/load/repo-file.js';
import { validateEnvironments } from '../validation/validate.js';
import { UserError } from '../contract/run-main.js';
import { EXIT, UsageError, type CliIO } from './io.js';
import { formatOption, maxFileSizeOption } from './validate.js';

export const renderHelp = `Usage: smartbot render [--env NAME] [--out DIR] [--check] [--format text|json|github]

Validates, then renders every environment (or --env NAME) to rendered/<env>/:
kubernetes/ (objects + kustomization.yaml), compose/docker-compose.yml, and the Argo CD or
Flux bootstrap objects. Each environment's tree is swapped in whole, never half-written.

Options:
  --env NAME      only this environment (environments/NAME.yaml)
  --out DIR       output root (default rendered)
  --check         write nothing; exit 1 listing stale files when rendered/ is out of date
  --format F      text (default), json, or github (::error annotations for stale files)
  --max-file-size SIZE  largest environment, tier or keyring file read (default 1Mi)
  --root DIR      repository root (default: the current directory)
`;

export function renderCommand(argv: string[], io: CliIO): number {
  const { values } = parseArgs({
    args: argv,
    options: { env: { type: 'string' }, out: { type: 'string' }, check: { type: 'boolean' }, format: { type: 'string' }, 'max-file-size': { type: 'string' }, root: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return io.out(renderHelp), EXIT.ok;
  const format = formatOption(values.format);
  const maxFileBytes = maxFileSizeOption(values['max-file-size']);
  const root = values.root ?? '.';
  const outDir = join(root, values.out ?? 'rendered');
  if (values.env !== undefined && !/^[a-z0-9][-a-z0-9_]*$/.test(values.env)) throw new UsageError(`invalid --env "${values.env}"`);
  const paths = values.env ? [join(root, 'environments', `${values.env}.yaml`)] : undefined;

  const report = validateEnvironments({ root, maxFileBytes, ...(paths ? { paths } : {}) });
  if (report.ioError || hasErrors(report.diagnostics)) {
    io.out(FORMATTERS[format]!.validate(report));
    io.err(`smartbot render: nothing written — fix the problems above first\n`);
    return report.ioError ? EXIT.usage : EXIT.invalid;
  }

  // Keyrings go into the rendered ConfigMap: read through the same gate validate used.
  const files = new RepoFiles(root, maxFileBytes);
  const keyringOf = (file: string) => {
    const read = files.read(repoPath(root, file));
    if (!read.ok) throw new UserError(`keyring ${file}: ${refusalMessage(read.refusal)}`);
    return read.text;
  };
  const drift: Drift = { changed: [], missing: [], extra: [] };
  const summary: { env: string; files: number; status?: 'written' | 'unchanged' }[] = [];
  for (const e of report.environments) {
    const config = e.config!;
    const files = renderEnvironment({
      name: e.name,
      source: `environments/${e.name}.yaml`,
      config,
      keyringJson: keyringOf(config.security.keyring.file),
    });
    if (values.check) {
      summary.push({ env: e.name, files: files.length });
      const d = compareTree(outDir, e.name, files);
      drift.changed.push(...d.changed), drift.missing.push(...d.missing), drift.extra.push(...d.extra);
    } else {
      summary.push({ env: e.name, files: files.length, status: writeTree(outDir, e.name, files) });
    }
  }
  // Rendering everything: trees of environments that no longer exist are stale too.
  const rendered = new Set(report.environments.map((e) => e.name));
  const orphans = values.env || !existsSync(outDir) ? [] : readdirSync(outDir).filter((d) => !d.startsWith('.') && !rendered.has(d));

  if (values.check) drift.extra.push(...orphans.map((d) => join(outDir, d) + '/'));
  else for (const d of orphans) rmSync(join(outDir, d), { recursive: true, force: true });
  const outcome: RenderOutcome = { outDir, mode: values.check ? 'check' : 'write', environments: summary, drift, removed: values.check ? [] : orphans };
  io.out(FORMATTERS[format]!.render(outcome));
  return values.check && staleCount(outcome) > 0 ? EXIT.invalid : EXIT.ok;
}
