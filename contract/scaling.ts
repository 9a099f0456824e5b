// What the autoscaler, the plan's risk check, the console and bench:scaling agree on: the
// scaling signal and the measured knee it must stay under (docs/autoscaling.md has the table).

/**
 * The knee: p99 "starts to climb" at the first load where it is over this many times its value
 * at the lightest load (bench:scaling's definition).
 */
export const KNEE_FACTOR = 1.5;

/**
 * The knee bench:scaling measured, as the autoscaler's signal in percent (busy share, plus the
 * queue over the sequences): past it, new requests' p99 has started to climb. The default
 * target (environments/tiers/base.yaml) sits under it; `plan` flags a target raised past it.
 */
export const MEASURED_KNEE_PERCENT = 75;
