// The dependency tree against the lock file: a dependency package.json asks for is not installed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { doctorRepo } from '../../test/helpers/doctor.js';
import { dependencies } from './dependencies.js';
import { tempDir } from '../../test/helpers/temp.js';

describe('doctor: dependencies', () => {
  it('npm ls problems become one finding naming them, fixed by npm ci', async () => {
    const install = tempDir('smartbot-install-');
    writeFileSync(join(install, 'package.json'), JSON.stringify({ name: 'x', version: '1.0.0', dependencies: { 'left-pad': '1.3.0' } }));
    const [f] = await dependencies.run(doctorRepo().ctx({ packageRoot: install }));
    expect(f).toEqual({
      section: 'Runtime',
      check: 'dependencies',
      status: 'problem',
      summary: '`npm ls --all` reports 1 problem: missing: left-pad@1.3.0, required by x@1.0.0',
      why: 'a dependency that differs from the lock file is not what smartbot was tested with, and a missing one fails at import',
      fix: `Reinstall exactly what package-lock.json pins: \`npm ci\` in ${install}.`,
    });
  }, 60_000);
});
