// Helpers for tests: validate YAML text as if it were a file in environments/.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../contract/paths.js';
import { validateEnvironments, type ValidateReport } from '../../validation/validate.js';

/** The repository root, from the sources or from dist/ (benchmarks reuse these helpers). */
export const repoRoot = packageRoot;

/** Validates `text` written to <tmp>/<name>.yaml, layered over the repository's tiers. */
export function validateText(text: string, name = 'test-env', opts: { modelsDir?: string } = {}): ValidateReport {
  // Removed at once: the property tests call this thousands of times in one file.
  const dir = mkdtempSync(join(tmpdir(), 'smartbot-validate-'));
  try {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, text);
    return validateEnvironments({ root: repoRoot, paths: [file], modelsDir: opts.modelsDir ?? join(dir, 'models') });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** "line:col rule message" for each diagnostic: what the tests compare. */
export const summarize = (r: ValidateReport) => r.diagnostics.map((d) => `${d.line}:${d.col} ${d.rule} ${d.message}`);

/** A minimal valid base-tier environment. */
export const BASE_ENV = `tier: base
model:
  source: remote
  endpoint: https://api.example.com/v1
  model: m
  auth:
    type: bearer
    secretRef: {name: upstream, key: token}
  timeoutMs: 20000
security:
  keyring: {file: keyrings/dev.json}
sync:
  namespace: test
`;

/** A minimal valid enterprise environment: the base one with what the enterprise policy demands. */
export const ENTERPRISE_ENV = BASE_ENV.replace('tier: base', 'tier: enterprise').replace(
  '  keyring: {file: keyrings/dev.json}\n',
  '  keyring: {file: keyrings/dev.json}\n  tls: {enabled: true, minVersion: "1.2", issuer: letsencrypt}\n  ipAllowlist: [10.0.0.0/8]\n',
) + 'ingress: {host: bot.example.com, className: nginx}\n';
