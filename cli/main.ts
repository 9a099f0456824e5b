// The `smartbot` command line: dispatches to one module per command. Never prints a stack
// trace for bad input: usage problems exit 2 with a one-line reason.
import { describeFailure, type Closable } from '../contract/run-main.js';
import { EXIT, UsageError, processIO, type CliIO } from './io.js';
/** A number is the exit code; a Closable (the dev server) runs until a signal closes it. */
type Command = (argv: string[], io: CliIO) => number | Promise<number | Closable>;

/**
 * A command's module, imported when the command runs: each one's dependencies (the service for
 * `start`, octokit for `pr-comment`, ioredis for `smoke`) are loaded only by the command that uses
 * them, so `smartbot validate` starts in about half the time.
 */
const lazy =
  <M>(load: () => Promise<M>, pick: (m: M) => Command): Command =>
  async (argv, io) =>
    pick(await load())(argv, io);

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  validate: { run: lazy(() => import('./validate.js'), (m) => m.validateCommand), summary: 'check environments against the schema and policy rules' },
  render: { run: lazy(() => import('./render.js'), (m) => m.renderCommand), summary: 'render environments to Kubernetes, compose, Argo CD / Flux (--check: drift gate)' },
  plan: { run: lazy(() => import('./plan.js'), (m) => m.planCommand), summary: 'what a change does to each environment: model and object diffs, prune list, risks' },
  'pr-comment': { run: lazy(() => import('./pr-comment.js'), (m) => m.prCommentCommand), summary: 'publish a plan on its pull request: sticky comment, commit status, risk label' },
  token: { run: lazy(() => import('./token.js'), (m) => m.tokenCommand), summary: 'mint an EdDSA access token (--keygen: make the signing key pair)' },
  keys: { run: lazy(() => import('./keys.js'), (m) => m.keysCommand), summary: 'create, rotate, revoke, list API keys and JWT signing keys; log and verify their audit history; open-pr proposes a rotation' },
  doctor: { run: lazy(() => import('./doctor.js'), (m) => m.doctorCommand), summary: 'check that this host can run an environment: ports, model, runtime, services, Docker' },
  smoke: { run: lazy(() => Promise.all([import('./smoke.js'), import('./smoke/repository.js')]), ([m, r]) => (argv, io) => m.smokeCommand(argv, io, { fromRepository: r.smokeFromRepository })), summary: 'prove a running deployment: functional checks and a stress test against its alert thresholds' },
  start: { run: lazy(() => import('./start.js'), (m) => m.startCommand), summary: 'serve an environment on 127.0.0.1:18789 (default dev, with the demo model: npm start)' },
  docs: { run: lazy(() => import('./docs.js'), (m) => m.docsCommand), summary: 'regenerate docs/reference.md and docs/rules.md (--check: fail if stale)' },
  'schema-types': { run: lazy(() => import('./schema-types.js'), (m) => m.schemaTypesCommand), summary: 'regenerate contract/environment.ts from the schema (--check: fail if stale)' },
};

export function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return `Usage: smartbot <command> [options]\n\nCommands:\n${Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
    .join('\n')}\n\nRun \`smartbot <command> --help\` for a command's options.\n`;
}

export async function main(argv: string[], io: CliIO = processIO): Promise<number | Closable> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') return io.out(help()), name ? EXIT.ok : EXIT.usage;
  const command = COMMANDS[name];
  if (!command) {
    io.err(`smartbot: unknown command "${name}"\n\n${help()}`);
    return EXIT.usage;
  }
  return runCommand(name, command.run, rest, io);
}

/** Runs one command, turning bad usage into exit 2 and any failure into one line. */
export async function runCommand(name: string, run: Command, argv: string[], io: CliIO): Promise<number | Closable> {
  try {
    return await run(argv, io);
  } catch (e) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown or malformed options.
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (e instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) {
      io.err(`smartbot ${name}: ${usageMessage(e as NodeJS.ErrnoException)}\nRun \`smartbot ${name} --help\` for usage.\n`);
      return EXIT.usage;
    }
    const failure = describeFailure(`smartbot ${name}`, e);
    io.err(failure.text);
    return failure.code;
  }
}

/** Node's parseArgs wording differs between versions; say the same thing on all of them. */
function usageMessage(e: NodeJS.ErrnoException): string {
  const option = /'(-[^']*)'/.exec(e.message)?.[1] ?? '';
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option}`;
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `option ${option.split(' ')[0]} needs a value`;
  return e.message;
}
