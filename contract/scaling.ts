// What the autoscaler, the plan's risk check, the console and bench:scaling agree on: the
// scaling signal and the measured knee it must stay under (docs/autoscaling.md has the table).

/**
 * The knee: p99 "starts to climb" at the first load where it is over this many times its value
 * at the lightest load (bench:scaling's definition).
 */
export const KNEE_FACTOR = 1.5;
