// The CPU variants of llama.cpp's CPU backend that the runtime image ships (bench/llama-server.sh
// --portable reads this list and compiles these of ggml's fourteen; keep the one-line
// `{ level: '…', ggml: '…'` form it reads): each an x86-64 microarchitecture level, the ggml
// library that implements it, and the CPU flags it needs. When llama-server starts, ggml loads
// the best one this CPU supports; the runtime reports which (its log, /readyz) and doctor
// predicts it for a host. Ordered lowest first.
import { readFileSync } from 'node:fs';

export interface CpuVariant {
  /** The x86-64 level: what the runtime reports and SMARTBOT_CPU_VARIANT takes. */
  level: string;
  /** ggml's name for the variant: its library is libggml-cpu-<ggml>.so. */
  ggml: string;
  /** In words, for logs and doctor. */
  features: string;
  /** /proc/cpuinfo flags the variant needs (ggml checks the same with cpuid). */
  flags: string[];
}

export const CPU_VARIANTS: readonly CpuVariant[] = [
  { level: 'x86-64-v3', ggml: 'haswell', features: 'AVX2, FMA, F16C', flags: ['sse4_2', 'avx', 'avx2', 'bmi2', 'fma', 'f16c'] },
  { level: 'x86-64-v4', ggml: 'skylakex', features: 'AVX-512', flags: ['sse4_2', 'avx', 'avx2', 'bmi2', 'fma', 'f16c', 'avx512f', 'avx512cd', 'avx512vl', 'avx512dq', 'avx512bw'] },
];

/** Set on the runtime container to load this variant (a level above) instead of the best one the CPU supports. */
export const CPU_VARIANT_ENV = 'SMARTBOT_CPU_VARIANT';

/** "x86-64-v4 (AVX-512)". */
export const describeVariant = (v: CpuVariant) => `${v.level} (${v.features})`;

/** The variant a ggml CPU library implements, from its file name (…/libggml-cpu-skylakex.so). */
export function variantOfLibrary(path: string): CpuVariant | undefined {
  const name = /libggml-cpu-([\w.-]+?)\.so/.exec(path)?.[1];
  return CPU_VARIANTS.find((v) => v.ggml === name);
}

/** The ggml CPU library a process has mapped, from its /proc/<pid>/maps text (ggml opens every candidate to score it, then keeps only the one it chose). */
export function mappedCpuLibrary(maps: string): string | undefined {
  return /\s(\/\S*libggml-cpu-[\w.-]+?\.so)(?=\s|$)/m.exec(maps)?.[1];
}

/** This machine's CPU flags (the first processor in /proc/cpuinfo); empty where there is none (not Linux). */
export function cpuFlags(cpuinfo = '/proc/cpuinfo'): Set<string> {
  try {
    const line = /^flags\s*:(.*)$/m.exec(readFileSync(cpuinfo, 'utf8'))?.[1] ?? '';
    return new Set(line.trim().split(/\s+/).filter(Boolean));
  } catch {
    return new Set();
  }
}

/** The flags of `variant` that `flags` lacks. */
export const missingFlags = (variant: CpuVariant, flags: Set<string>) => variant.flags.filter((f) => !flags.has(f));

/** The best variant a CPU with these flags runs (what ggml loads), or undefined when it runs none. */
export function bestVariant(flags: Set<string>): CpuVariant | undefined {
  return [...CPU_VARIANTS].reverse().find((v) => missingFlags(v, flags).length === 0);
}
