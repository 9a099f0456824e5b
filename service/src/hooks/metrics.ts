// Request duration and count by route, method and status (499 for a client that went away):
// the series the rendered alerts query. And the engine's occupancy (busy sequences, queue): the
// series the rendered autoscaler queries. And what the in-process models decoded.
import type { ServiceDeps } from '../deps.js';
import { appWide } from './app-wide.js';
import { onRequestEnd } from './request-end.js';

export const requestMetrics = appWide<Pick<ServiceDeps, 'metrics' | 'models' | 'config'>>(async (app, { metrics, models, config }) => {
  // Every model's sequences and queue together: the pod's load, whichever model a request names.
  metrics.observeOccupancy(() => ({ busy: models.busySequences(), waiting: models.queueDepth(), sequences: models.list.length * config.inference.parallelSequences }));
  // What the in-process models decoded: how many sequences a batch held, prompt and generation time.
  metrics.observeDecoding(() => models.decodeStats());
  // The labelled series of each route, method and status, looked up once: prom-client builds
  // and hashes a label object on every observe() it is handed one. Bounded: routes × Node's
  // methods × statuses.
  const series = new Map<string, { duration: { observe(v: number): void }; count: { inc(): void } }>();
  onRequestEnd(app, (req, { route, status, ms }) => {
    const key = `${route} ${req.method} ${status}`;
    let s = series.get(key);
    if (!s) {
      const labels = { route, method: req.method, status: String(status) };
      series.set(key, (s = { duration: metrics.requestDuration.labels(labels), count: metrics.requests.labels(labels) }));
    }
    s.duration.observe(ms / 1000);
    s.count.inc();
  });
});
