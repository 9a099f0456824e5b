// `smartbot plan --base REF [--head REF] [--format text|md|json]`
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UserError } from '../contract/run-main.js';
import { COMMENT_LIMIT } from '../plan/publish.js';
import { planMarkdown } from '../plan/format/markdown.js';
import { planText } from '../plan/format/text.js';
import { buildPlan, planExitCode, type Plan } from '../plan/plan.js';
import { safeJson } from '../validation/format/safe-text.js';
import { EXIT, progressLine, UsageError, wholeNumberOption, type CliIO } from './io.js';

export const planHelp = `Usage: smartbot plan --base REF [--head REF] [--format text|md|json]
       smartbot plan --from FILE [--format text|md]

What merging HEAD (or --head) into --base does to every environment it reaches, through its
own file, a tier file or its keyring. Both refs are read from git; nothing is checked out or
written. Environments whose change is the same (up to their own name and namespace) are one
group, shown once with a count and a few names: the field-level diff of the merged model (with
the file and line of each change), whether merging restarts pods and why, the rendered objects
added, removed and changed (with diffs, secret values redacted), what the sync engine will
delete, the head's validation and the risk flags.

Text and markdown are laid out to fit --max-chars: each group, in order of importance, with full
diffs, per-object summaries, per-field summaries, or names and counts only, and a footer saying
which. JSON is the whole plan: every environment of every group.

--from FILE prints a plan that \`--format json\` wrote (\`-\`: standard input) in another form,
without planning again: CI plans once, then writes the text and markdown from the JSON.

Options:
  --base REF          the target (e.g. origin/main, the pull request's base sha)
  --head REF          the change (default HEAD)
  --format F          text (default), md (the pull-request comment) or json (for pr-comment)
  --max-chars N       the longest text or markdown output (default ${COMMENT_LIMIT.toLocaleString('en-US')}, GitHub's comment
                      limit; 0: no limit)
  --from FILE         format this JSON plan instead of planning
  --jobs N            worker threads (default: one per core for large plans)
  --root DIR          the smartbot root inside the git repository (default: the current directory)
  --models-dir DIR    where local GGUF files are looked up by name (default models/)

Exit codes: 0 no blocking risk, 1 the head is invalid or a blocking risk is present,
2 usage or git error (e.g. an unknown ref).
`;

const FORMATS: Record<string, (p: Plan, limit: number) => string> = {
  text: (p, limit) => planText(p, { limit }),
  md: (p, limit) => planMarkdown(p, { limit }),
  json: (p) => `${safeJson(p)}\n`,
};

export async function planCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      base: { type: 'string' },
      head: { type: 'string' },
      format: { type: 'string' },
      'max-chars': { type: 'string' },
      jobs: { type: 'string' },
      root: { type: 'string' },
      'models-dir': { type: 'string' },
      from: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return io.out(planHelp), EXIT.ok;
  const format = values.format ?? 'text';
  const render = FORMATS[format];
  if (!render) throw new UsageError(`unknown --format "${format}" (use ${Object.keys(FORMATS).join(', ')})`);
  const maxChars = wholeNumberOption('--max-chars', values['max-chars'], true) ?? COMMENT_LIMIT;
  const limit = maxChars === 0 ? Infinity : maxChars;
  if (values.from !== undefined) {
    if (values.base !== undefined || values.head !== undefined) throw new UsageError('--from FILE formats a plan already made: leave out --base and --head');
    const plan = readPlan(values.from, '--from');
    io.out(render(plan, limit));
    return planExitCode(plan);
  }
  if (values.base === undefined) throw new UsageError('--base REF is required (the branch or commit the change merges into)');
  const jobs = wholeNumberOption('--jobs', values.jobs);
  const plan = await buildPlan({
    root: values.root ?? '.',
    base: values.base,
    ...(values.head !== undefined ? { head: values.head } : {}),
    ...(values['models-dir'] !== undefined ? { modelsDir: values['models-dir'] } : {}),
    ...(jobs !== undefined ? { jobs } : {}),
    onProgress: progressLine(io, 'plan', 'planned'),
  });
  io.out(render(plan, limit));
  return planExitCode(plan);
}

/** A plan that `smartbot plan --format json` wrote, from a file or (`-` or none) standard input. */
export function readPlan(file: string | undefined, option = '--plan'): Plan {
  const name = file && file !== '-' ? file : 'standard input';
  let text: string;
  try {
    if (!file || file === '-') {
      if (process.stdin.isTTY) throw new UsageError(`give ${option} FILE, or pipe \`smartbot plan --format json\` into this command`);
      text = readFileSync(0, 'utf8');
    } else text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UsageError(`cannot read the plan from ${name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let plan: Plan;
  try {
    plan = JSON.parse(text) as Plan;
  } catch (e) {
    throw new UsageError(`${name} is not JSON (${(e as Error).message}); write it with \`smartbot plan --format json\``);
  }
  const version = (plan as { version?: unknown } | null)?.version;
  if (version === 1) throw new UsageError(`${name} is a plan from an older smartbot (version 1); write it again with \`smartbot plan --format json\``);
  if (version !== 2 || !Array.isArray(plan.groups) || !plan.head?.sha || !plan.summary) throw new UsageError(`${name} is not a smartbot plan; write it with \`smartbot plan --format json\``);
  return plan;
}
