// Facts about the container the process runs in.
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/** The memory limit: cgroup v2, then cgroup v1, then the machine's memory. */
export function memoryLimitBytes(): number {
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const v = readFileSync(file, 'utf8').trim();
      const n = Number(v);
      // "max" or an absurd v1 value mean no limit.
      if (v !== 'max' && Number.isFinite(n) && n > 0 && n < totalmem()) return n;
    } catch {
      // not this cgroup version
    }
  }
  return totalmem();
}

export const cpuCount = () => cpus().length;
