// What a doctor check is: it looks at one thing on this host for one environment and returns
// findings. A problem says what is wrong, why it matters and the exact fix; a warning the same
// for something that may bite later; ok and skip say what was seen or why nothing was.
import type { SmartbotEnvironment } from '../../contract/environment.js';
import type { ServiceConfig } from '../../contract/service-config.js';
import type { HostFacts } from './host.js';

export type Section = 'Ports' | 'Model' | 'Runtime' | 'Services' | 'Docker';
export const SECTIONS: Section[] = ['Ports', 'Model', 'Runtime', 'Services', 'Docker'];

export type Status = 'ok' | 'warn' | 'problem' | 'skip';

export interface Finding {
  section: Section;
  /** Stable id of what was checked, e.g. "port", "model-sha256". */
  check: string;
  status: Status;
  /** One line: what was found. */
  summary: string;
  /** Problems and warnings: why it matters. */
  why?: string;
  /** Problems and warnings: the exact fix. */
  fix?: string;
}

export interface DoctorContext {
  root: string;
  env: string;
  /** environments/<env>.yaml, as the fixes name it. */
  envFile: string;
  config: SmartbotEnvironment;
  /** The runtime config render writes for this environment (what the service reads). */
  service: ServiceConfig;
  /** Where the local model file is looked for by name (default <root>/models). */
  modelsDir: string;
  host: HostFacts;
  /** The run's deadline for what doctor asks over the network (each request has its own too). */
  deadline: AbortSignal;
  /** Work shared by several checks (the model's inspection, the node-llama-cpp probe), done once. */
  once<T>(key: string, make: () => Promise<T>): Promise<T>;
}

export interface Check {
  section: Section;
  run(ctx: DoctorContext): Promise<Finding[]>;
}

type Detail = { why: string; fix: string };
export const ok = (section: Section, check: string, summary: string): Finding => ({ section, check, status: 'ok', summary });
export const skip = (section: Section, check: string, summary: string): Finding => ({ section, check, status: 'skip', summary });
export const warn = (section: Section, check: string, summary: string, d: Detail): Finding => ({ section, check, status: 'warn', summary, ...d });
export const problem = (section: Section, check: string, summary: string, d: Detail): Finding => ({ section, check, status: 'problem', summary, ...d });

/** An error's own words, without a stack: "connect ECONNREFUSED 127.0.0.1:6390". */
export const reason = (e: unknown) => {
  const err = e as { cause?: { message?: string }; message?: string };
  return err?.cause?.message ?? err?.message ?? String(e);
};
