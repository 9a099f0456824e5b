// --env as a smoke.json file, a rendered ConfigMap or a repository environment; every broken
// field is named with its file.
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../test/helpers/env.js';
import { smokeFromRepository } from './repository.js';
import { parseSmokeConfig, resolveTargets } from './targets.js';
import { tempDir } from '../../test/helpers/temp.js';

const tmp = tempDir('smartbot-targets-');
const PROD = {
  environment: 'prod',
  thresholds: { p99LatencySeconds: 2, errorRatePercent: 5 },
  // The alerts' series, and the autoscaler's (prod autoscales).
  series: ['smartbot_http_request_duration_seconds_bucket', 'smartbot_http_requests_total', 'smartbot_queue_depth', 'smartbot_sequences', 'smartbot_sequences_busy_ratio'],
  logFormat: 'line',
  load: { durationSeconds: 30, concurrency: 4, maxRequests: 10000, maxTokens: 64 },
};

describe('resolveTargets', () => {
  it('reads the rendered smoke ConfigMap when the repository is not at hand (the image)', () => {
    const t = resolveTargets('prod', repoRoot);
    expect(t).toEqual({ config: PROD, source: join(repoRoot, 'rendered/prod/kubernetes/smoke-config.yaml') });
  });

  it('computes the same config from the repository, validated', () => {
    // With the environment's ports: where its /metrics is served.
    expect(resolveTargets('prod', repoRoot, smokeFromRepository)).toEqual({ config: PROD, source: join(repoRoot, 'environments/prod.yaml'), ports: { external: 18789, admin: 8080 } });
    // dev has verify off (nothing rendered) but its thresholds are still known.
    expect(resolveTargets('dev', repoRoot, smokeFromRepository).config).toMatchObject({ environment: 'dev', thresholds: { p99LatencySeconds: 2, errorRatePercent: 5 } });
  });

  it('reads a smoke.json file, as the Job mounts it', () => {
    const file = join(tmp, 'smoke.json');
    writeFileSync(file, JSON.stringify(PROD));
    expect(resolveTargets(file, '/nonexistent')).toEqual({ config: PROD, source: file });
    expect(() => resolveTargets(join(tmp, 'missing.json'), '.')).toThrow(`cannot read ${join(tmp, 'missing.json')}: no such file`);
  });

  it('an invalid environment is a usage error naming its first problem', () => {
    const root = tempDir('smartbot-targets-repo-');
    cpSync(join(repoRoot, 'environments'), join(root, 'environments'), { recursive: true });
    writeFileSync(join(root, 'environments/broken.yaml'), 'tier: base\nreplicas: -1\n');
    expect(() => resolveTargets('broken', root, smokeFromRepository)).toThrow(/^--env broken: .*environments\/broken\.yaml is invalid \(\d+ errors; first: .*environments\/broken\.yaml:\d+:\d+ .*\); run `smartbot validate`$/);
  });
});

describe('parseSmokeConfig', () => {
  it.each([
    ['not json', 'f.json: not JSON (Unexpected token'],
    ['[]', 'f.json: `(top level)` must be an object; render it again with `smartbot render`'],
    [JSON.stringify({ ...PROD, thresholds: { ...PROD.thresholds, p99LatencySeconds: 0 } }), 'f.json: `thresholds.p99LatencySeconds` must be a positive number'],
    [JSON.stringify({ ...PROD, thresholds: undefined }), 'f.json: `thresholds` must be an object'],
    [JSON.stringify({ ...PROD, series: 'smartbot_http_requests_total' }), 'f.json: `series` must be a list of metric names'],
    [JSON.stringify({ ...PROD, logFormat: 'xml' }), 'f.json: `logFormat` must be "line" or "json"'],
    [JSON.stringify({ ...PROD, load: { ...PROD.load, concurrency: 2.5 } }), 'f.json: `load.concurrency` must be a positive integer'],
  ])('%s', (text, message) => {
    expect(() => parseSmokeConfig(text, 'f.json')).toThrow(message);
  });
});
