// Temporary directories for tests, removed when the test file ends (test/setup/remove-temp.ts
// registers that for every file), so no test has to remember, and a failed assertion leaks
// nothing. The run's own temp dir is checked for leftovers at the end (test/setup/temp-dir.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

/** A new directory under the run's temp dir, named `<prefix>XXXXXX`, removed when this test file ends. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every directory tempDir made in this test file. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
