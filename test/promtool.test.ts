// promtool proves the rendered PrometheusRules: `check rules` on every environment's groups,
// and `test rules` with synthetic series showing each alert fires just above its threshold
// once its window has passed — and not just below it, nor before the window.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { DURATION_BUCKETS } from '../contract/telemetry.js';
import { adapterRules } from '../generators/autoscaling.js';
import { renderEnvironment } from '../generators/index.js';
import type { AlertRule } from '../generators/monitoring.js';
import { parseBytes, parseMillicores } from '../contract/quantity.js';
import type { SmartbotEnvironment } from '../contract/environment.js';
import { validateEnvironments } from '../validation/validate.js';
import { repoRoot } from './helpers/env.js';
import { tempDir } from './helpers/temp.js';

const ENVS = ['dev', 'staging', 'prod', 'multi'];
const STEP = 15; // seconds between samples and between rule evaluations
const T0 = 600; // load starts at 10m; before that everything is idle

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
if (promtool.status !== 0) {
  if (process.env.CI) throw new Error('promtool is missing: .ci/run installs it (apt-get install prometheus)');
  console.log('promtool not found: skipping the PrometheusRule checks (apt-get install prometheus)');
}

function seconds(duration: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  let total = 0;
  for (const [, n, u] of duration.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(n) * units[u!]!;
  return total;
}
const at = (s: number) => `${s}s`;

/** A counter idle until T0, then rising by `perStep` each sample, for `steps` samples in all. */
function counter(perStep: number, steps: number): string {
  const idle = T0 / STEP;
  return `0x${idle} ${perStep}+${perStep}x${steps - idle - 1}`;
}
/** A gauge at 0 until T0, then `value`. */
function gauge(value: number, steps: number): string {
  const idle = T0 / STEP;
  return `0x${idle - 1} ${value}x${steps - idle}`;
}

function loadEnv(name: string) {
  const r = validateEnvironments({ root: repoRoot, paths: [join(repoRoot, 'environments', `${name}.yaml`)] });
  const config = r.environments[0]!.config as SmartbotEnvironment;
  const rule = parse(readFileSync(join(repoRoot, 'rendered', name, 'kubernetes/prometheusrule.yaml'), 'utf8'));
  const rules = rule.spec.groups[0].rules as AlertRule[];
  return { config, groups: rule.spec.groups, rules };
}

/** One promtool test group per alert and side (above / below its threshold). */
function alertTests(name: string) {
  const { config, rules } = loadEnv(name);
  const ns = config.sync.namespace;
  const svc = config.service.name;
  const container = { namespace: ns, container: svc };
  const service = { namespace: ns, service: svc };
  const lbl = (l: Record<string, string>) => `{${Object.entries(l).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
  const a = config.monitoring.alerts;
  const cpuLimit = parseMillicores(config.resources.cpu) / 1000;
  const memLimit = parseBytes(config.resources.memory);
  const tests: object[] = [];

  const byName = (alert: string) => rules.find((r) => r.alert === alert)!;
  for (const [alert, side, key] of [
    ['SmartbotHighCPU', 'cpu', 'cpuPercent'],
    ['SmartbotHighMemory', 'memory', 'memoryPercent'],
    ['SmartbotHighLatencyP99', 'p99', 'p99LatencySeconds'],
    ['SmartbotHighErrorRate', 'errors', 'errorRatePercent'],
  ] as const) {
    const rule = byName(alert);
    // Thresholds and windows come from the environment, never from the rule under test.
    const forSeconds = seconds(a[key].for);
    // Rate-based conditions become true within 2m15s of T0 (the rate window filling); gauges at T0.
    const firesBy = T0 + 135 + forSeconds + STEP;
    const steps = Math.ceil((firesBy + 60) / STEP) + 1;
    for (const above of [true, false]) {
      const pod = above ? 'above-0' : 'below-0';
      const series: { series: string; values: string }[] = [];
      if (side === 'cpu') {
        const pct = a.cpuPercent.threshold + (above ? 0.5 : -0.5);
        series.push({ series: `container_cpu_usage_seconds_total${lbl({ ...container, pod })}`, values: counter((cpuLimit * pct * STEP) / 100, steps) });
        series.push({ series: `kube_pod_container_resource_limits${lbl({ ...container, pod, resource: 'cpu' })}`, values: `${cpuLimit}x${steps - 1}` });
      } else if (side === 'memory') {
        const pct = a.memoryPercent.threshold + (above ? 0.5 : -0.5);
        series.push({ series: `container_memory_working_set_bytes${lbl({ ...container, pod })}`, values: gauge(Math.round((memLimit * pct) / 100), steps) });
        series.push({ series: `kube_pod_container_resource_limits${lbl({ ...container, pod, resource: 'memory' })}`, values: `${memLimit}x${steps - 1}` });
      } else if (side === 'p99') {
        // Every observation in one bucket: P99 interpolates to just under that bucket's upper bound.
        const t = a.p99LatencySeconds.threshold;
        const upper = above ? DURATION_BUCKETS.find((b, i) => (DURATION_BUCKETS[i - 1] ?? 0) >= t)! : [...DURATION_BUCKETS].reverse().find((b) => b <= t)!;
        for (const le of [...DURATION_BUCKETS.map(String), '+Inf'])
          series.push({ series: `smartbot_http_request_duration_seconds_bucket${lbl({ ...service, le })}`, values: le === '+Inf' || Number(le) >= upper ? counter(100, steps) : `0x${steps - 1}` });
      } else {
        const pct = a.errorRatePercent.threshold + (above ? 0.5 : -0.5);
        // 1000 requests a step, of which pct % are 5xx.
        series.push({ series: `smartbot_http_requests_total${lbl({ ...service, status: '500' })}`, values: counter(pct * 10, steps) });
        series.push({ series: `smartbot_http_requests_total${lbl({ ...service, status: '200' })}`, values: counter(1000 - pct * 10, steps) });
      }
      const labels = { ...rule.labels, ...(side === 'cpu' || side === 'memory' ? { pod } : {}) };
      const summary = rule.annotations.summary!.replace('{{ $labels.pod }}', pod);
      const checks = [
        // Not before the window: at most F − 15 s after load began, even a gauge is only pending.
        ...(forSeconds >= 2 * STEP ? [{ eval_time: at(T0 + forSeconds - STEP), alertname: alert, exp_alerts: [] }] : []),
        { eval_time: at(firesBy), alertname: alert, exp_alerts: above ? [{ exp_labels: labels, exp_annotations: { summary } }] : [] },
      ];
      tests.push({ name: `${alert} ${above ? 'just above' : 'just below'} its threshold`, interval: `${STEP}s`, input_series: series, alert_rule_test: checks });
    }
  }
  return tests;
}

describe.skipIf(promtool.status !== 0)('promtool', () => {
  const dir = tempDir('smartbot-promtool-');

  it.each(ENVS)('check rules: %s', (name) => {
    const file = join(dir, `${name}-rules.yaml`);
    writeFileSync(file, stringify({ groups: loadEnv(name).groups }));
    const out = execFileSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    expect(out).toContain('SUCCESS: 4 rules found');
  });

  it.each(ENVS)('test rules: each %s alert fires just above its threshold after its window, not below or before', (name) => {
    const rulesFile = join(dir, `${name}-rules.yaml`);
    writeFileSync(rulesFile, stringify({ groups: loadEnv(name).groups }));
    const testFile = join(dir, `${name}-test.yaml`);
    writeFileSync(testFile, stringify({ rule_files: [rulesFile], evaluation_interval: `${STEP}s`, tests: alertTests(name) }));
    const r = spawnSync('promtool', ['test', 'rules', testFile], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('a test that expects the wrong thing fails (the harness can fail)', () => {
    const rulesFile = join(dir, 'dev-rules.yaml');
    writeFileSync(rulesFile, stringify({ groups: loadEnv('dev').groups }));
    const tests = alertTests('dev') as { alert_rule_test: { exp_alerts: unknown[] }[] }[];
    // Claim the "just below" CPU case fires: promtool must reject that.
    tests[1]!.alert_rule_test.at(-1)!.exp_alerts = tests[0]!.alert_rule_test.at(-1)!.exp_alerts;
    const testFile = join(dir, 'wrong-test.yaml');
    writeFileSync(testFile, stringify({ rule_files: [rulesFile], evaluation_interval: `${STEP}s`, tests }));
    const r = spawnSync('promtool', ['test', 'rules', testFile], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toContain('FAILED');
  });
});

// The autoscaler's queries, evaluated by promtool (`promql_expr_test`) against recorded series:
// the rendered trigger sums each pod's sequence load (busy share + queue / sequences) over the
// environment's pods only; the adapter rule (engine hpa) gives it per pod; the wake query of a
// scaled-to-zero environment is the ingress's request rate, at most 1.
describe.skipIf(promtool.status !== 0)('promtool: the autoscaler queries', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smartbot-promtool-scaling-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const prod = { namespace: 'smartbot-prod', service: 'smart-bot-service' };
  /** Three prod pods (3 of 4 busy; all 4 busy and 2 waiting; idle), and two pods that are not prod's. */
  const PODS = [
    { labels: { ...prod, pod: 'a' }, busy: 0.75, queue: 0, sequences: 4 },
    { labels: { ...prod, pod: 'b' }, busy: 1, queue: 2, sequences: 4 },
    { labels: { ...prod, pod: 'c' }, busy: 0, queue: 0, sequences: 4 },
    { labels: { namespace: 'smartbot-staging', service: 'smart-bot-service', pod: 'x' }, busy: 1, queue: 9, sequences: 4 },
    { labels: { namespace: 'smartbot-prod', service: 'other', pod: 'y' }, busy: 1, queue: 9, sequences: 4 },
  ];
  const lbl = (l: Record<string, string>) => `{${Object.entries(l).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
  const series = PODS.flatMap((p) => [
    { series: `smartbot_sequences_busy_ratio${lbl(p.labels)}`, values: `${p.busy}x10` },
    { series: `smartbot_queue_depth${lbl(p.labels)}`, values: `${p.queue}x10` },
    { series: `smartbot_sequences${lbl(p.labels)}`, values: `${p.sequences}x10` },
  ]);
  const scaledObject = () => parse(readFileSync(join(repoRoot, 'rendered/prod/kubernetes/scaledobject.yaml'), 'utf8'));
  function evaluate(tests: { expr: string; eval_time: string; exp_samples: { labels: string; value: number }[] }[], input = series) {
    const file = join(dir, `expr-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, stringify({ tests: [{ interval: '15s', input_series: input, promql_expr_test: tests }] }));
    return spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
  }

  it("the rendered trigger's query sums prod's pods' load: 0.75 + (1 + 2/4) + 0 = 2.25 — KEDA then asks for ceil(2.25 / target) pods", () => {
    const trigger = scaledObject().spec.triggers[0];
    const r = evaluate([{ expr: trigger.metadata.query, eval_time: '1m', exp_samples: [{ labels: '{}', value: 2.25 }] }]);
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.status).toBe(0);
    // What that means at the target: each pod's share of the sum is compared with it.
    expect(Math.ceil(2.25 / Number(trigger.metadata.threshold))).toBeGreaterThan(3);
  });

  it('the adapter rule (engine hpa) gives the same load per pod', () => {
    const rule = adapterRules() as { rules: { metricsQuery: string }[] };
    const expr = rule.rules[0]!.metricsQuery.replaceAll('<<.LabelMatchers>>', 'namespace="smartbot-prod",pod=~"a|b|c"').replace('<<.GroupBy>>', 'pod');
    const r = evaluate([{ expr, eval_time: '1m', exp_samples: [{ labels: '{pod="a"}', value: 0.75 }, { labels: '{pod="b"}', value: 1.5 }, { labels: '{pod="c"}', value: 0 }] }]);
    expect(r.stdout + r.stderr).toContain('SUCCESS');
  });

  it('a wrong expectation fails (the harness can fail)', () => {
    const r = evaluate([{ expr: scaledObject().spec.triggers[0].metadata.query, eval_time: '1m', exp_samples: [{ labels: '{}', value: 3 }] }]);
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toContain('FAILED');
  });

  it('the wake query of a scaled-to-zero environment is the ingress request rate, capped at 1 pod', () => {
    const expr = (scaleToZeroTrigger() as { metadata: { query: string } }).metadata.query;
    const ingress = (ns: string, rps: number) => ({ series: `nginx_ingress_controller_requests{exported_namespace="${ns}",ingress="smart-bot-service",status="503"}`, values: `0+${rps * 15}x20` });
    const r = evaluate(
      [
        { expr, eval_time: '4m', exp_samples: [{ labels: '{}', value: 1 }] },
        { expr: expr.replace('smartbot-staging', 'smartbot-idle'), eval_time: '4m', exp_samples: [] },
      ],
      [ingress('smartbot-staging', 5), ingress('smartbot-other', 5)],
    );
    expect(r.stdout + r.stderr).toContain('SUCCESS');
  });
});

/** The wake trigger staging would get with scale to zero on. */
function scaleToZeroTrigger(): unknown {
  const r = validateEnvironments({ root: repoRoot, paths: [join(repoRoot, 'environments', 'staging.yaml')] });
  const config = r.environments[0]!.config as SmartbotEnvironment;
  const zero = { ...config, autoscaling: { ...config.autoscaling, enabled: true, min: 1, max: 3, scaleToZero: true } };
  const file = renderEnvironment({ name: 'staging', source: 'environments/staging.yaml', config: zero, keyringJson: '{}\n' }).find((f) => f.path === 'kubernetes/scaledobject.yaml')!;
  return parse(file.text).spec.triggers[1];
}
