// Where the toolchain's own files live (the schema, templates), from either src or dist.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'schemas', 'environment.schema.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('smartbot: cannot find schemas/environment.schema.json above the toolchain');
    dir = up;
  }
  return dir;
}

export const packageRoot = findPackageRoot();
export const schemaPath = join(packageRoot, 'schemas', 'environment.schema.json');
