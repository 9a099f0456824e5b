// `smartbot doctor [--env E] [--json]`: the deployment guide's troubleshooting table as checks
// (cli/doctor/: one check a file). Validates the environment first, then looks at this host:
// ports, the model file and a real load, the Node runtime and node-llama-cpp, dependencies,
// Redis, the remote endpoint, the running service and Docker. Exit 0 all good (warnings
// allowed), 1 problems found, 2 cannot run (unknown or invalid environment, bad usage).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { UserError } from '../contract/run-main.js';
import { serviceConfig } from '../contract/service-config.js';
import { hasErrors } from '../validation/diagnostics.js';
import { formatText } from '../validation/format/text.js';
import { validateEnvironments } from '../validation/validate.js';
import type { DoctorContext, Finding } from './doctor/check.js';
import { doctorJson, doctorText, countOf } from './doctor/format.js';
import { hostFacts, type HostFacts } from './doctor/host.js';
import { CHECKS } from './doctor/index.js';
import { removeDemoCopies } from './doctor/model-file.js';
import { runDeadline } from './http.js';
import { EXIT, UsageError, type CliIO } from './io.js';
import { environmentFile } from '../contract/paths.js';

export const doctorHelp = `Usage: smartbot doctor [--env NAME] [--json] [--models-dir DIR] [--root DIR]

Checks that this host can run an environment (default dev), the deployment guide's
troubleshooting table as commands:
  Ports     each port the host binds is free, or who holds it (from /proc)
  Model     present, sha256 as configured (the guide's MD5 check), GGUF header, fits the
            memory limit, GPU layers and a GPU, a real load in node-llama-cpp (timed)
  Runtime   Node against package.json engines, node-llama-cpp's native binary (CPU, CUDA,
            Vulkan), UV_THREADPOOL_SIZE and threads against the CPUs, npm ls --all
  Services  Redis (when the cache is on), the remote model endpoint and its credential,
            the service's own /readyz when it runs
  Docker    when a daemon answers: images, log options and health of the compose project
Every problem says what is wrong, why it matters and the exact fix.

Options:
  --env NAME        the environment (environments/NAME.yaml; default dev)
  --json            one JSON document instead of text
  --models-dir DIR  where the local model file is looked up by name (default models/)
  --root DIR        repository root (default: the current directory)

Exit codes: 0 all good (warnings allowed), 1 problems found, 2 cannot run.
`;

/** What doctor asks over the network (the service, the remote endpoint, Docker) ends within this. */
export const DOCTOR_NETWORK_SECONDS = 60;

export interface DoctorOptions {
  root: string;
  env: string;
  modelsDir?: string;
  /** Replaces facts about this host (tests: an engines range, a CPU count, a Docker socket). */
  host?: Partial<HostFacts>;
}

/** Validates the environment and gathers what the checks share; UserError (exit 2) when it cannot run. */
export function doctorContext(o: DoctorOptions): DoctorContext {
  const envFile = join(o.root, environmentFile(o.env));
  if (!existsSync(envFile)) throw new UsageError(`no environment "${o.env}": ${envFile} does not exist`);
  // The model file is doctor's own check (with its fix), so validation leaves it alone.
  const report = validateEnvironments({ root: o.root, paths: [envFile], readModelFiles: false });
  const config = report.environments[0]?.config;
  if (!config || hasErrors(report.diagnostics))
    throw new UserError(`${envFile} does not validate, so doctor cannot tell what to check:\n${formatText(report)}Fix it first (\`npx smartbot validate ${envFile}\`).`, 2);
  const shared = new Map<string, Promise<unknown>>();
  return {
    root: o.root,
    env: o.env,
    envFile,
    config,
    service: serviceConfig(o.env, config),
    modelsDir: o.modelsDir ?? join(o.root, 'models'),
    host: hostFacts(o.host),
    // Every request has its own deadline too; this bounds them all (the timer does not hold the process).
    deadline: runDeadline(DOCTOR_NETWORK_SECONDS * 1000).signal,
    once: <T>(key: string, make: () => Promise<T>) => {
      if (!shared.has(key)) shared.set(key, make());
      return shared.get(key) as Promise<T>;
    },
  };
}

/** Every check, at once; findings in report order. The demo model's temporary copy goes when they are done. */
export async function runDoctor(ctx: DoctorContext): Promise<Finding[]> {
  try {
    return (await Promise.all(CHECKS.map((c) => c.run(ctx)))).flat();
  } finally {
    removeDemoCopies();
  }
}

export async function doctorCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { env: { type: 'string' }, json: { type: 'boolean' }, 'models-dir': { type: 'string' }, root: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return io.out(doctorHelp), EXIT.ok;
  const env = values.env ?? 'dev';
  if (!/^[a-z0-9][-a-z0-9_]*$/.test(env)) throw new UsageError(`invalid --env "${env}"`);
  const ctx = doctorContext({ root: values.root ?? '.', env, ...(values['models-dir'] ? { modelsDir: values['models-dir'] } : {}) });
  const report = { environment: env, file: ctx.envFile, findings: await runDoctor(ctx) };
  io.out(values.json ? doctorJson(report) : doctorText(report));
  return countOf(report, 'problem') ? EXIT.invalid : EXIT.ok;
}
