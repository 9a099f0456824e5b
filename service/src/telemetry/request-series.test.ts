import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DURATION_BUCKETS } from '../../../contract/telemetry.js';
import { RequestCounter, RequestHistogram } from './request-series.js';

const labelNames = ['route', 'method', 'status'] as const;
const ok = { route: '/v1/models', method: 'GET', status: '200' };
const denied = { route: '/v1/models', method: 'GET', status: '401' };

describe('request series', () => {
  it("expose exactly what prom-client's Histogram and Counter expose for the same requests", async () => {
    const theirs = new Registry();
    const ours = new Registry();
    const h1 = new Histogram({ name: 'x_seconds', help: 'Durations.', labelNames, buckets: DURATION_BUCKETS, registers: [theirs] });
    const c1 = new Counter({ name: 'x_total', help: 'Requests.', labelNames, registers: [theirs] });
    const h2 = new RequestHistogram('x_seconds', 'Durations.', labelNames, DURATION_BUCKETS, ours);
    const c2 = new RequestCounter('x_total', 'Requests.', labelNames, ours);
    const fast = { duration: h2.labels(ok), count: c2.labels(ok) };
    for (const v of [0.001, 0.2, 0.2, 2, 61]) {
      h1.observe(ok, v), c1.inc(ok);
      fast.duration.observe(v), fast.count.inc();
    }
    h1.observe(denied, 0.003), c1.inc(denied, 2);
    h2.observe(denied, 0.003), c2.inc(denied, 2);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain('x_seconds_bucket{le="0.25",route="/v1/models",method="GET",status="200"} 3\n');
    ours.resetMetrics();
    theirs.resetMetrics();
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('refuses a series without every label, as prom-client does', () => {
    const c = new RequestCounter('y_total', 'Y.', ['result'], new Registry());
    expect(() => c.inc({} as never)).toThrow('label "result" is missing');
  });
});
