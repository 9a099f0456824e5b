// `smartbot plan --base REF [--head REF] [--format text|md|json]`
import { parseArgs } from 'node:util';
import { planMarkdown } from '../plan/format/markdown.js';
import { planText } from '../plan/format/text.js';
import { buildPlan, planExitCode, type Plan } from '../plan/plan.js';
import { EXIT, UsageError, type CliIO } from './io.js';

export const planHelp = `Usage: smartbot plan --base REF [--head REF] [--format text|md|json]

What merging HEAD (or --head) into --base does to every environment it reaches, through its
own file, a tier file or its keyring. Both refs are read from git; nothing is checked out or
written into the work tree. For each environment: the field-level diff of the merged model
(with the file and line of each change), the rendered objects added, removed and changed
(with diffs, secret values redacted), what the sync engine will delete, the head's validation
and the risk flags.

Options:
  --base REF          the target (e.g. origin/main, the pull request's base sha)
  --head REF          the change (default HEAD)
  --format F          text (default), md (the pull-request comment) or json (for pr-comment)
  --root DIR          the smartbot root inside the git repository (default: the current directory)
  --models-dir DIR    where local GGUF files are looked up by name (default models/)

Exit codes: 0 no blocking risk, 1 the head is invalid or a blocking risk is present,
2 usage or git error (e.g. an unknown ref).
`;

const FORMATS: Record<string, (p: Plan) => string> = {
  text: planText,
  md: (p) => planMarkdown(p),
  json: (p) => `${JSON.stringify(p, null, 2)}\n`,
};

export function planCommand(argv: string[], io: CliIO): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      base: { type: 'string' },
      head: { type: 'string' },
      format: { type: 'string' },
      root: { type: 'string' },
      'models-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return io.out(planHelp), EXIT.ok;
  if (values.base === undefined) throw new UsageError('--base REF is required (the branch or commit the change merges into)');
  const format = values.format ?? 'text';
  const render = FORMATS[format];
  if (!render) throw new UsageError(`unknown --format "${format}" (use ${Object.keys(FORMATS).join(', ')})`);
  const plan = buildPlan({
    root: values.root ?? '.',
    base: values.base,
    ...(values.head !== undefined ? { head: values.head } : {}),
    ...(values['models-dir'] !== undefined ? { modelsDir: values['models-dir'] } : {}),
  });
  io.out(render(plan));
  return planExitCode(plan);
}
