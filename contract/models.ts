// The models of an environment, as one list whatever the file wrote: `model:` (one model) or
// `models:` (several, each with its id, and `defaultModel`). Validation, the generators, plan,
// the CLI and the service all read an environment's (or a service config's) models through
// modelSet, so "which ids are served, which answers by default, who falls back to whom" is
// decided here once.
import type { LocalModel, RemoteModel } from './environment.js';

export type ModelSpec = LocalModel | RemoteModel;
/** A model with the id clients choose it by. */
export type ServedModel = ModelSpec & { id: string };
export type LocalServedModel = LocalModel & { id: string };
export type RemoteServedModel = RemoteModel & { id: string };

/** What holds models: an environment or a service config. */
export interface ModelsHolder {
  model?: ModelSpec;
  models?: ModelSpec[];
  defaultModel?: string;
}

export interface ModelSet {
  /** In the order written. */
  models: ServedModel[];
  /** The id that answers requests naming no model. */
  defaultModel: string;
  /** Several models (`models:`) rather than one (`model:`). */
  several: boolean;
  /** Where each model is written, as a JSON pointer: `/model` or `/models/<i>`. */
  pointers: string[];
  /** The same, as the settings' names in messages: `model` or `models[<i>]`. */
  names: string[];
}

/** A single model's id when the file names none: the file's base name without .gguf, or the upstream model name. */
export function implicitModelId(m: ModelSpec): string {
  return m.id ?? (m.source === 'local' ? m.path.replace(/^.*\//, '').replace(/\.gguf$/i, '') : m.model);
}

/** The holder's models; an environment the schema accepted has `model` or `models` (with `defaultModel`). */
export function modelSet(holder: ModelsHolder): ModelSet {
  if (holder.models) {
    const models = holder.models.map((m) => ({ ...m, id: m.id ?? implicitModelId(m) }));
    return {
      models,
      defaultModel: holder.defaultModel ?? models[0]!.id,
      several: true,
      pointers: models.map((_, i) => `/models/${i}`),
      names: models.map((_, i) => `models[${i}]`),
    };
  }
  if (!holder.model) throw new Error('neither model nor models is set');
  const only = { ...holder.model, id: implicitModelId(holder.model) };
  return { models: [only], defaultModel: only.id, several: false, pointers: ['/model'], names: ['model'] };
}

export const isLocal = (m: ServedModel): m is LocalServedModel => m.source === 'local';
export const isRemote = (m: ServedModel): m is RemoteServedModel => m.source === 'remote';

/**
 * Threads for a local model: its own setting, else the environment's CPU threads shared
 * between its local models (each decodes on its own threads; more threads than cores
 * collapses generation: ARCHITECTURE.md, "Threads and CPU under contention").
 */
export function modelThreads(model: LocalModel, cpuThreads: number, localModels: number): number {
  return model.threads ?? Math.max(1, Math.floor(cpuThreads / Math.max(1, localModels)));
}
