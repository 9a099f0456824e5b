// The one way tests run the smartbot CLI: in-process (fast, output captured) or as the real bin
// in a child process (real exit codes and streams).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { main } from '../../cli/main.js';
import { repoRoot } from './env.js';

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

/** `smartbot …args` in this process. */
export async function runCli(...args: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const result = await main(args, { out: (t) => (out += t), err: (t) => (err += t) });
  if (typeof result !== 'number') throw new Error(`smartbot ${args.join(' ')} started a server: use spawnCli`);
  return { code: result, out, err };
}

/** `node bin/smartbot.js …args` as a child process, from `cwd` (default: the repository); killed after `timeoutMs` (code null). */
export function spawnCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): CliRun {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin/smartbot.js'), ...args], {
    cwd: opts.cwd ?? repoRoot,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    ...(opts.timeoutMs ? { timeout: opts.timeoutMs, maxBuffer: 64 * 2 ** 20 } : {}),
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
