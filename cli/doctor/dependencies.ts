// Runtime: the installed dependency tree against package.json and the lock file, with
// `npm ls --all --json` (the guide's "dependency mismatch" row).
import { spawn } from 'node:child_process';
import { ok, problem, reason, skip, type Check } from './check.js';

const section = 'Runtime';

export interface NpmLs {
  problems?: string[];
  dependencies?: Record<string, NpmLs>;
}

/** Packages in the tree (each path counted once). */
export function countPackages(tree: NpmLs): number {
  let n = 0;
  const stack = [tree];
  while (stack.length) for (const d of Object.values(stack.pop()!.dependencies ?? {})) n++, stack.push(d);
  return n;
}

function npmLs(cwd: string, env: NodeJS.ProcessEnv): Promise<{ json?: NpmLs; failure?: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['ls', '--all', '--json'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err = (err + d).slice(-1000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', (e) => (clearTimeout(timer), resolve({ failure: reason(e) })));
    child.on('close', () => {
      clearTimeout(timer);
      try {
        resolve({ json: JSON.parse(out) as NpmLs });
      } catch {
        resolve({ failure: err.trim().split('\n').at(-1) ?? 'no output' });
      }
    });
  });
}

export const dependencies: Check = {
  section,
  async run(ctx) {
    const r = await npmLs(ctx.host.packageRoot, ctx.host.env);
    if (!r.json) return [skip(section, 'dependencies', `dependency tree not checked: \`npm ls --all --json\` failed (${r.failure})`)];
    const problems = r.json.problems ?? [];
    if (problems.length === 0) return [ok(section, 'dependencies', `the installed dependencies match package.json and package-lock.json (\`npm ls --all\`: ${countPackages(r.json)} packages, no problems)`)];
    const shown = problems.slice(0, 3).join('; ');
    return [
      problem(section, 'dependencies', `\`npm ls --all\` reports ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${shown}${problems.length > 3 ? '; …' : ''}`, {
        why: 'a dependency that differs from the lock file is not what smartbot was tested with, and a missing one fails at import',
        fix: `Reinstall exactly what package-lock.json pins: \`npm ci\` in ${ctx.host.packageRoot}.`,
      }),
    ];
  },
};
