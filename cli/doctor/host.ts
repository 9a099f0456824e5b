// Facts about the host doctor runs on, gathered in one place so tests can replace any of them
// (an engines range, a Docker socket, a /proc) without touching the machine.
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { cpuFlags } from '../../contract/cpu-variants.js';
import { packageRoot } from '../../contract/paths.js';

export interface HostFacts {
  /** Where listening sockets and their processes are read from. */
  procDir: string;
  nodeVersion: string;
  /** `engines.node` of the toolchain's package.json. */
  engines: string | undefined;
  /** CPUs this process may use, and where that number comes from. */
  cpus: { count: number; source: string };
  /** The CPU's flags (/proc/cpuinfo); empty where they cannot be read. */
  cpuFlags: Set<string>;
  env: NodeJS.ProcessEnv;
  /** The Docker API's unix socket: $DOCKER_HOST (unix://…) or /var/run/docker.sock. */
  dockerSocket: string;
  /** GPU device nodes visible here (NVIDIA, or DRI render nodes for Vulkan). */
  gpuDevices: string[];
  /** The toolchain's install: package.json, node_modules, dist/. */
  packageRoot: string;
}

/** The CPU limit: cgroup v2 cpu.max, then v1's quota, else every CPU of the machine. */
export function cpuLimit(cgroupDir = '/sys/fs/cgroup'): { count: number; source: string } {
  const all = availableParallelism();
  const read = (f: string) => {
    try {
      return readFileSync(join(cgroupDir, f), 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  const v2 = read('cpu.max')?.split(/\s+/);
  const [quota, period] = v2 && v2[0] !== 'max' ? [Number(v2[0]), Number(v2[1])] : [Number(read('cpu/cpu.cfs_quota_us')), Number(read('cpu/cpu.cfs_period_us'))];
  if (quota > 0 && period > 0) {
    const limit = Math.max(1, Math.ceil(quota / period));
    if (limit < all) return { count: limit, source: `cgroup limit ${(quota / period).toFixed(1)} CPUs` };
  }
  return { count: all, source: `${all} CPUs on this machine` };
}

function gpuDevices(): string[] {
  const list = (dir: string, pattern: RegExp) => {
    try {
      return readdirSync(dir).filter((f) => pattern.test(f)).map((f) => join(dir, f));
    } catch {
      return [];
    }
  };
  return [...list('/dev', /^nvidia\d+$/), ...list('/dev/dri', /^renderD\d+$/)];
}

function enginesNode(root: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines?: { node?: string } }).engines?.node;
  } catch {
    return undefined;
  }
}

export function hostFacts(overrides: Partial<HostFacts> = {}): HostFacts {
  const env = overrides.env ?? process.env;
  const dockerHost = env.DOCKER_HOST?.startsWith('unix://') ? env.DOCKER_HOST.slice('unix://'.length) : undefined;
  const root = overrides.packageRoot ?? packageRoot;
  return {
    procDir: '/proc',
    nodeVersion: process.versions.node,
    engines: enginesNode(root),
    cpus: cpuLimit(),
    cpuFlags: cpuFlags(),
    env,
    dockerSocket: dockerHost ?? '/var/run/docker.sock',
    gpuDevices: gpuDevices(),
    packageRoot: root,
    ...overrides,
  };
}
