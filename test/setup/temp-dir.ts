// Every test removes what it creates. The run gets its own temp dir (TMPDIR, which os.tmpdir()
// and every child process read), and the run fails when anything is left in it at the end,
// naming what was left; the dir is then removed either way, so a failed run litters nothing.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Why a run fails for what it left in its temp dir (the first `limit` names, then a count), or undefined. */
export function leftoverProblem(dir: string, limit = 20): string | undefined {
  const names = readdirSync(dir).sort();
  if (names.length === 0) return undefined;
  const shown = names.length > limit ? [...names.slice(0, limit), `… and ${names.length - limit} more`] : names;
  return `the tests left ${names.length} ${names.length === 1 ? 'entry' : 'entries'} in the temp dir; each test must remove what it creates:\n  ${shown.join('\n  ')}`;
}

export default function setup(): () => void {
  const outer = tmpdir();
  const run = mkdtempSync(join(outer, 'smartbot-test-run-'));
  process.env.TMPDIR = run;
  return () => {
    process.env.TMPDIR = outer;
    const problem = leftoverProblem(run);
    rmSync(run, { recursive: true, force: true });
    if (problem) {
      // vitest reports an error thrown here but still exits 0: set the exit code too.
      process.exitCode = 1;
      throw new Error(problem);
    }
  };
}
