// Tier layering: maps merge, lists and scalars replace, and every merged value remembers
// the file and line that wrote it.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeValues } from './layers.js';
import { EnvironmentValidator } from '../validate.js';
import { BASE_ENV, ENTERPRISE_ENV, repoRoot, validateText } from '../../test/helpers/env.js';

describe('mergeValues', () => {
  it('merges maps key by key, deeply', () => {
    expect(mergeValues({ a: { b: 1, c: 2 }, d: 3 }, { a: { c: 20 } })).toEqual({ a: { b: 1, c: 20 }, d: 3 });
  });
  it('replaces lists whole (no concatenation)', () => {
    expect(mergeValues({ allow: ['10.0.0.0/8', '192.168.0.0/16'] }, { allow: ['172.16.0.0/12'] })).toEqual({ allow: ['172.16.0.0/12'] });
  });
  it('replaces a map with a scalar and a scalar with a map', () => {
    expect(mergeValues({ a: { b: 1 } }, { a: null })).toEqual({ a: null });
    expect(mergeValues({ a: 1 }, { a: { b: 2 } })).toEqual({ a: { b: 2 } });
  });
  it('does not modify its inputs', () => {
    const bottom = { a: { b: 1 } };
    mergeValues(bottom, { a: { c: 2 } });
    expect(bottom).toEqual({ a: { b: 1 } });
  });
});

describe('layering environments over tiers', () => {
  it('a base environment gets the base defaults from the deployment guide', () => {
    const env = validateText(BASE_ENV).environments[0]!;
    expect(env.diagnostics).toEqual([]);
    const c = env.config!;
    expect(c.resources).toEqual({ cpu: '2', memory: '4Gi', storage: { size: '50Gi', class: 'ssd' } });
    expect(c.ports).toEqual({ external: 18789, internal: 8000, admin: 8080, https: 443 });
    expect(c.service).toEqual({ name: 'smart-bot-service', version: '1.2.0', image: 'ghcr.io/smartbot/smart-bot-service:1.2.0', runtimeImage: 'ghcr.io/smartbot/smartbot-runtime:1.2.0' });
    expect(c.monitoring.alerts).toEqual({
      cpuPercent: { threshold: 85, for: '1m' },
      memoryPercent: { threshold: 90, for: '1m' },
      p99LatencySeconds: { threshold: 2, for: '5m' },
      errorRatePercent: { threshold: 5, for: '1m' },
    });
    expect(c.logging).toEqual({ format: 'line', level: 'info', maxSize: '10m', maxFile: 3 });
  });

  it('an enterprise environment layers base, then enterprise, then itself', () => {
    const c = validateText(`${ENTERPRISE_ENV}resources:\n  memory: 16Gi\n`).environments[0]!.config!;
    expect(c.replicas).toBe(2); // enterprise.yaml
    expect(c.resources).toEqual({ cpu: '4', memory: '16Gi', storage: { size: '100Gi', class: 'ssd' } }); // base class, enterprise size, env memory
    expect(c.backups.enabled).toBe(true);
    expect(c.ports.external).toBe(18789); // base
  });

  it('an environment list replaces the tier list', () => {
    const c = validateText(ENTERPRISE_ENV.replace('ipAllowlist: [10.0.0.0/8]', 'ipAllowlist: [172.16.0.0/12]')).environments[0]!.config!;
    expect(c.security.ipAllowlist).toEqual(['172.16.0.0/12']);
  });

  it('reports a bad value at the line of the file that wrote it', () => {
    const r = validateText(`${BASE_ENV}ports:\n  admin: 18789\n`);
    expect(r.diagnostics.map((d) => `${d.file.replace(/.*\//, '')}:${d.line}:${d.col} ${d.message}`)).toEqual([
      'test-env.yaml:15:10 `ports.admin` is 18789, the same as `ports.external`',
    ]);
  });

  it('a missing required key is reported in the environment file, at its parent key', () => {
    const r = validateText(BASE_ENV.replace('  keyring: {file: keyrings/dev.json}\n', '  ipAllowlist: []\n'));
    expect(r.diagnostics.map((d) => `${d.file.replace(/.*\//, '')}:${d.line}:${d.col} ${d.message}`)).toEqual([
      'test-env.yaml:10:1 missing required key `keyring` in security',
    ]);
  });
});

describe('where a merged value was written', () => {
  // place(p) skips reading the environment file's places when a tier wrote p; it must answer
  // exactly what the merged places say, for every pointer, whichever it is asked first.
  it('place(pointer) is places.get(pointer) for every pointer of every environment, each asked on a fresh layering', () => {
    const root = join(repoRoot, 'environments');
    const layered = (file: string) => {
      const validator = new EnvironmentValidator({ root: repoRoot });
      return validator.load(join(root, file)).layered!;
    };
    let asked = 0;
    for (const file of readdirSync(root).filter((f) => f.endsWith('.yaml'))) {
      const pointers = [...layered(file).places.keys()];
      // Pointers nothing wrote too: beneath a list the file replaced, and beneath a scalar.
      pointers.push('/security/ipAllowlist/9', '/resources/cpu/x', '/nothing/here');
      for (const p of pointers) {
        const full = layered(file).places.get(p);
        expect(layered(file).place!(p), `${file} ${p}`).toEqual(full);
        asked++;
      }
    }
    expect(asked).toBeGreaterThan(200);
  });
});
