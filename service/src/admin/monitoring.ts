// The monitoring config the console draws — alert thresholds and the autoscaling target — read
// from monitoring.json, which its own ConfigMap carries outside the config checksum. Read again
// whenever the file changed (the kubelet swaps a ConfigMap volume's files within about a minute
// of a change), so a threshold change reaches the charts with no restart.
import { readFileSync, statSync } from 'node:fs';
import type { MonitoringConfig } from '../../../contract/monitoring-config.js';
import type { Logger } from '../telemetry/logger.js';

/** The monitoring config now; undefined when there is none (the charts then draw no lines). */
export type MonitoringSource = () => MonitoringConfig | undefined;

/**
 * monitoring.json at `path`, parsed once per change (its mtime and size). A file that cannot be
 * read or parsed keeps the last good config and logs one warning per change, so a bad edit never
 * blanks the charts.
 */
export function monitoringFile(path: string, log: Logger): MonitoringSource {
  let last: { stamp: string; config: MonitoringConfig | undefined } | undefined;
  let warned: string | undefined;
  return () => {
    let stamp: string;
    try {
      const s = statSync(path);
      stamp = `${s.mtimeMs}:${s.size}`;
    } catch (e) {
      stamp = `missing:${(e as NodeJS.ErrnoException).code ?? 'error'}`;
    }
    if (last?.stamp === stamp) return last.config;
    try {
      const config = JSON.parse(readFileSync(path, 'utf8')) as MonitoringConfig;
      if (typeof config?.alerts !== 'object' || config.alerts === null) throw new Error('it has no "alerts"');
      last = { stamp, config };
      return config;
    } catch (e) {
      if (warned !== stamp) log.warn('monitoring config unreadable; the charts keep the last thresholds', { path, error: (e as Error).message });
      warned = stamp;
      return last?.config;
    }
  };
}
