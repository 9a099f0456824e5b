// Alert thresholds: percentages in (0, 100], `for` windows parse as Prometheus durations.
import type { Policy } from './policy.js';

/** Prometheus model.ParseDuration: units in descending order, each at most once. */
export const PROMETHEUS_DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
export const isPrometheusDuration = (s: string) => s !== '' && PROMETHEUS_DURATION.test(s);

const PERCENT_ALERTS = ['cpuPercent', 'memoryPercent', 'errorRatePercent'] as const;

export const alerts: Policy = {
  rules: ['percent-range', 'alert-duration'],
  reads: ['/monitoring'],
  check({ config, report }) {
    const a = config.monitoring.alerts;
    for (const name of PERCENT_ALERTS) {
      const { threshold } = a[name];
      if (!(threshold > 0 && threshold <= 100))
        report('percent-range', { field: `monitoring.alerts.${name}.threshold`, value: threshold }, `/monitoring/alerts/${name}/threshold`);
    }
    for (const [name, alert] of Object.entries(a)) {
      if (!isPrometheusDuration(alert.for))
        report('alert-duration', { field: `monitoring.alerts.${name}.for`, value: alert.for }, `/monitoring/alerts/${name}/for`);
    }
  },
};
