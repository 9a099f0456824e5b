// The keyring policy's date-dependent rules (the corpus cannot pin a clock) and the audit log's
// plaintext check, which each environment reports for its own lines only.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatKeyring, mintApiKey } from '../../contract/keyring-file.js';
import { ENTERPRISE_ENV, summarize } from '../../test/helpers/env.js';
import { scratchKeysRepo } from '../../test/helpers/keys.js';
import { validateEnvironments } from '../validate.js';

const DAY = 86_400_000;
const created = new Date('2026-01-05T10:00:00.000Z');

/** An enterprise environment (maximum key age 90 days) in a scratch repository, its keyring holding one key created at `created`. */
function enterpriseWithKey(status: 'active' | 'retiring' | 'revoked' = 'active', tier = 'enterprise') {
  const root = scratchKeysRepo();
  const { entry } = mintApiKey('ci', ['chat'], { now: created });
  writeFileSync(join(root, 'keyrings/x.json'), formatKeyring([{ ...entry, status, ...(status === 'retiring' ? { expires: '2030-01-01T00:00:00.000Z' } : {}) }]));
  writeFileSync(join(root, 'environments/x.yaml'), ENTERPRISE_ENV.replace('keyrings/dev.json', 'keyrings/x.json').replace('tier: enterprise', `tier: ${tier}`));
  return () => summarize(validateEnvironments({ root, paths: [join(root, 'environments/x.yaml')] }));
}

afterEach(() => {
  vi.useRealTimers();
});

describe('maximum key age', () => {
  it('is quiet until 14 days before the maximum, warns then, errors after', () => {
    const validate = enterpriseWithKey();
    vi.useFakeTimers({ toFake: ['Date'], now: created.getTime() + 75 * DAY });
    expect(validate()).toEqual([]);
    vi.setSystemTime(created.getTime() + 77 * DAY);
    expect(validate()).toEqual(['11:19 key-age-near key ci.1 in keyrings/x.json:2 reaches the 90-day maximum key age on 2026-04-05 (in 13 days)']);
    vi.setSystemTime(created.getTime() + 90 * DAY);
    expect(validate()).toEqual(['11:19 key-age-exceeded key ci.1 in keyrings/x.json:2 is past the 90-day maximum key age (due 2026-04-05)']);
  });

  it('counts only active keys: a retiring or revoked one is on its way out', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: created.getTime() + 400 * DAY });
    expect(enterpriseWithKey('retiring')()).toEqual([]);
    expect(enterpriseWithKey('revoked')()).toEqual([]);
  });

  it('base-tier environments have no maximum age', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: created.getTime() + 400 * DAY });
    expect(enterpriseWithKey('active', 'base')()).toEqual([]);
  });
});

describe('plaintext keys in the audit log', () => {
  it('are reported by the environment the line names, at its keyring setting', () => {
    const root = scratchKeysRepo();
    mkdirSync(join(root, 'audit'));
    writeFileSync(join(root, 'audit/key-rotations.jsonl'), ['{"seq":1,"env":"staging","reason":"ok"}', '{"seq":2,"env":"dev","reason":"pasted sb_ci_Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0"}', ''].join('\n'));
    const report = validateEnvironments({ root });
    const keyProblems = report.diagnostics.filter((d) => d.rule.startsWith('keyring'));
    expect(keyProblems.map((d) => `${d.file.replace(`${root}/`, '')}:${d.line}:${d.col} ${d.rule} ${d.message}`)).toEqual([
      'environments/dev.yaml:15:11 keyring-plaintext audit/key-rotations.jsonl:2 holds a plaintext API key (sb_…): plaintext keys are never committed',
    ]);
  });
});
