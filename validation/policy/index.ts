// Step 4: every policy rule, in report order. Adding a rule: write it beside these, add it
// here, add its message and fix to validation/rules.ts and a broken example to the corpus
// (test/fixtures/invalid/ + expected.json); a test fails while a rule has none.
import { placeOf, type LayeredEnvironment } from '../load/layers.js';
import { report as makeDiagnostic, type Diagnostic } from '../diagnostics.js';
import { RULES } from '../rules.js';
import type { SmartbotEnvironment } from '../../contract/environment.js';
import { alerts } from './alerts.js';
import { autoscaling } from './autoscaling.js';
import { cors } from './cors.js';
import { enterprise } from './enterprise.js';
import { modelFile } from './model.js';
import { modelChoice } from './models.js';
import { allowlist, remoteEndpoint } from './network.js';
import type { Policy, PolicyContext } from './policy.js';
import { ports } from './ports.js';
import { encryption, keyring, redisSource, serverTimeouts, tlsCertificate } from './settings.js';
import { jwtKeys, keyringContents } from './keyring.js';

export const POLICIES: Policy[] = [enterprise, ports, autoscaling, alerts, allowlist, remoteEndpoint, tlsCertificate, redisSource, keyring, keyringContents, jwtKeys, encryption, modelChoice, modelFile, cors, serverTimeouts];

export type PolicyOptions = Pick<PolicyContext, 'root' | 'modelsDir' | 'readModelFiles' | 'exists' | 'files'> & Partial<Pick<PolicyContext, 'watch'>> & {
  /** The outcome holds only until `time` (of a rule reported in this run: a warning's time is no limit when warnings are off). */
  holdsUntil?(time: number): void;
  /** false: errors only (render, which stops on errors and never shows warnings, skips locating them). */
  warnings?: boolean;
};

/** Runs each policy whose inputs the schema accepted; `schemaErrorPointers` are the ajv instance paths that failed. */
export function runPolicies(env: LayeredEnvironment, schemaErrorPointers: readonly string[], opts: PolicyOptions): Diagnostic[] {
  const out: Diagnostic[] = [];
  const overlaps = (read: string, bad: string) => bad === '' || read === bad || read.startsWith(`${bad}/`) || bad.startsWith(`${read}/`);
  const ctx: PolicyContext = {
    config: env.value as unknown as SmartbotEnvironment,
    name: env.name,
    root: opts.root,
    modelsDir: opts.modelsDir,
    readModelFiles: opts.readModelFiles,
    exists: opts.exists,
    files: opts.files,
    watch: opts.watch ?? (() => {}),
    holdsUntil: (time, rule) => {
      if (opts.warnings === false && RULES[rule].severity !== 'error') return;
      opts.holdsUntil?.(time);
    },
    report: (rule, params, pointer, prefer) => {
      if (opts.warnings === false && RULES[rule].severity !== 'error') return;
      out.push(makeDiagnostic(rule, params, placeOf(env, pointer, prefer)));
    },
  };
  for (const policy of POLICIES) {
    if (policy.reads.some((r) => schemaErrorPointers.some((b) => overlaps(r, b)))) continue;
    policy.check(ctx);
  }
  return out;
}
