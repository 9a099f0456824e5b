// Autoscaling: min ≤ max, a busy-share target that is a percentage, and scale to zero only
// where a cold start is acceptable and something can wake the environment.
import type { Policy } from './policy.js';

export const autoscaling: Policy = {
  rules: ['percent-range', 'autoscaling-range', 'autoscaling-scale-to-zero'],
  reads: ['/autoscaling', '/tier', '/ingress'],
  check({ config, report }) {
    const { min, max, targetBusyPercent, scaleToZero, engine } = config.autoscaling;
    if (min > max) report('autoscaling-range', { min, max }, '/autoscaling/min');
    if (!(targetBusyPercent > 0 && targetBusyPercent <= 100))
      report('percent-range', { field: 'autoscaling.targetBusyPercent', value: targetBusyPercent }, '/autoscaling/targetBusyPercent');
    if (!scaleToZero || !config.autoscaling.enabled) return;
    // One reason, the first that applies: each is a different fix.
    const why = config.tier === 'enterprise' ? 'enterprise' : engine !== 'keda' ? 'hpa' : !config.ingress ? 'no-ingress' : undefined;
    if (why) report('autoscaling-scale-to-zero', { why }, '/autoscaling/scaleToZero');
  },
};
