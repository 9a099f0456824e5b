// Where things live. Two roots: the toolchain's own files (the schema, templates), found from
// either src or dist; and the layout of a smartbot repository (environments/, tiers/, keyrings/,
// rendered/ …), which every reader names through this file instead of joining by hand.
// Repository paths here are POSIX and relative to the repository root: the same names whether
// a file is read from the disk (joined with a root) or from a git commit (plan).
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
/** The handlebars templates the generators render (generators/templates.ts). */
export const templatesDir = join(packageRoot, 'generators', 'templates');

/** The directories of a smartbot repository. */
export const LAYOUT = {
  /** One <env>.yaml per environment. */
  environments: 'environments',
  /** Tier defaults each environment layers over: <tier>.yaml. */
  tiers: 'environments/tiers',
  /** API-key hashes per environment (an environment names its file). */
  keyrings: 'keyrings',
  /** The hash-chained key history. */
  audit: 'audit',
  /** The committed output of `smartbot render`: rendered/<env>/. */
  rendered: 'rendered',
  /** Under rendered/: what groups environments by destination cluster (not an environment: names starting with _ are reserved). */
  clusters: '_clusters',
  /** Local GGUF files, looked up by base name. */
  models: 'models',
} as const;

/** environments/<env>.yaml */
export const environmentFile = (env: string) => `${LAYOUT.environments}/${env}.yaml`;
/** environments/tiers/<tier>.yaml */
export const tierFile = (tier: string) => `${LAYOUT.tiers}/${tier}.yaml`;

const ENVIRONMENT_FILE = /^environments\/([^/]+)\.ya?ml$/;
const TIER_FILE = /^environments\/tiers\/([^/]+)\.ya?ml$/;

/** "environments/prod.yaml" → "prod"; undefined for tiers and anything else. */
export const environmentNameOf = (path: string): string | undefined => ENVIRONMENT_FILE.exec(path)?.[1];
/** "environments/tiers/base.yaml" → "base"; undefined otherwise. */
export const tierNameOf = (path: string): string | undefined => TIER_FILE.exec(path)?.[1];
/** Whether a repository path is a tier file. */
export const isTierFile = (path: string): boolean => path.startsWith(`${LAYOUT.tiers}/`);
/** An environment's name from its file's base name: .../prod.yaml → prod. */
export const environmentNameFromFile = (file: string): string => file.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
