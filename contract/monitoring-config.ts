// What the service reads at run time from its own ConfigMap, outside the config checksum: the
// environment's alert thresholds and the autoscaler's target, which the admin console draws on
// its charts. The service acts on neither (Prometheus fires the alerts, the autoscaler scales),
// so a change to them is a monitoring change: the ConfigMap changes, the kubelet updates the
// mounted file within about a minute, the console re-reads it, and no pod restarts.
import type { SmartbotEnvironment } from './environment.js';

export interface MonitoringConfig {
  environment: string;
  alerts: SmartbotEnvironment['monitoring']['alerts'];
  /** The autoscaler's target, percent of the sequences busy (queued requests count too); absent when nothing autoscales. */
  autoscaling?: { targetBusyPercent: number };
}

/** Where the pod mounts it: a directory of its own (not subPath), so the kubelet's updates reach the file. */
export const MONITORING_CONFIG = { dir: '/etc/smartbot/monitoring', file: 'monitoring.json' } as const;
export const MONITORING_CONFIG_PATH = `${MONITORING_CONFIG.dir}/${MONITORING_CONFIG.file}`;

export function monitoringConfig(name: string, env: SmartbotEnvironment): MonitoringConfig {
  return {
    environment: name,
    alerts: env.monitoring.alerts,
    ...(env.autoscaling.enabled ? { autoscaling: { targetBusyPercent: env.autoscaling.targetBusyPercent } } : {}),
  };
}
