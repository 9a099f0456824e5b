// Runtime: the Node version against package.json `engines`.
import { ok, problem, skip, type Check } from './check.js';

const section = 'Runtime';

type Version = [number, number, number];
const parse = (v: string): (number | undefined)[] => v.replace(/^[v=\s]+/, '').split('-')[0]!.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : undefined));
const cmp = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** One comparator ("^20.19", ">=20.19.0", "20.x", "<23") as a test on a version. */
function comparator(token: string): (v: Version) => boolean {
  const m = /^(\^|~|>=|<=|>|<|=)?\s*(.*)$/.exec(token)!;
  const op = m[1] ?? '';
  const parts = parse(m[2]!);
  const [maj, min, pat] = parts;
  const lo: Version = [maj ?? 0, min ?? 0, pat ?? 0];
  if (maj === undefined) return () => true; // *, x
  // x-ranges and partial versions: "20" is 20.0.0 – <21, "20.19" is 20.19.0 – <20.20.
  const wildcard = min === undefined ? 1 : pat === undefined ? 2 : 3;
  const next = (level: number): Version => (level <= 1 ? [maj + 1, 0, 0] : level === 2 ? [maj, (min ?? 0) + 1, 0] : [maj, min ?? 0, (pat ?? 0) + 1]);
  switch (op) {
    case '>=':
      return (v) => cmp(v, lo) >= 0;
    case '>':
      return (v) => cmp(v, wildcard < 3 ? next(wildcard) : lo) >= (wildcard < 3 ? 0 : 1);
    case '<':
      return (v) => cmp(v, lo) < 0;
    case '<=':
      return (v) => cmp(v, wildcard < 3 ? next(wildcard) : lo) < (wildcard < 3 ? 0 : 1);
    case '^':
      return (v) => cmp(v, lo) >= 0 && cmp(v, maj > 0 || min === undefined ? [maj + 1, 0, 0] : min > 0 || pat === undefined ? [0, min + 1, 0] : [0, 0, (pat ?? 0) + 1]) < 0;
    case '~':
      return (v) => cmp(v, lo) >= 0 && cmp(v, next(min === undefined ? 1 : 2)) < 0;
    default:
      return (v) => cmp(v, lo) >= 0 && cmp(v, next(wildcard)) < 0;
  }
}

/**
 * Does `version` satisfy the npm range `range`? The subset engines fields use: `||`, space-joined
 * comparators, >=, >, <=, <, =, ^, ~, x-ranges and hyphen ranges. Written here because the
 * `semver` package is not a declared dependency of smartbot, and this is all doctor needs.
 */
export function satisfies(version: string, range: string): boolean {
  const v = parse(version).map((n) => n ?? 0) as Version;
  return range.split('||').some((alternative) => {
    const hyphen = /^\s*(\S+)\s+-\s+(\S+)\s*$/.exec(alternative);
    const tokens = hyphen ? [`>=${hyphen[1]}`, `<=${hyphen[2]}`] : alternative.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1').split(/\s+/).filter(Boolean);
    return tokens.every((t) => comparator(t)(v));
  });
}

export const nodeVersion: Check = {
  section,
  async run(ctx) {
    const { engines, nodeVersion: version } = ctx.host;
    if (!engines) return [skip(section, 'node-version', `Node ${version}: package.json states no engines.node range`)];
    if (satisfies(version, engines)) return [ok(section, 'node-version', `Node ${version} satisfies package.json engines.node "${engines}"`)];
    return [
      problem(section, 'node-version', `Node ${version} does not satisfy package.json engines.node "${engines}"`, {
        why: 'smartbot and its native dependency (node-llama-cpp) are built and tested for that range; outside it they may fail to start or behave differently',
        fix: `Install a Node version in "${engines}" (for example with nvm: \`nvm install 22 && nvm use 22\`), then reinstall the dependencies with \`npm ci\`.`,
      }),
    ];
  },
};
