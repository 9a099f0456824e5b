// The environment's models as the doctor checks name them: each local or remote model with the
// setting that writes it (`model` or `models[i]`, for the fixes) and a label that starts its
// findings when there are several ("small: …"; nothing with one model).
import { isLocal, isRemote, modelSet, type LocalServedModel, type RemoteServedModel } from '../../contract/models.js';
import type { DoctorContext } from './check.js';

export interface Named<M> {
  model: M;
  /** `model` or `models[i]`: fixes name its settings so. */
  field: string;
  /** "id: " with several models, "" with one. */
  label: string;
}

function named(ctx: DoctorContext) {
  const set = modelSet(ctx.config);
  return set.models.map((model, i) => ({ model, field: set.names[i]!, label: set.several ? `${model.id}: ` : '' }));
}

export const localModels = (ctx: DoctorContext): Named<LocalServedModel>[] => named(ctx).filter((n): n is Named<LocalServedModel> => isLocal(n.model));
export const remoteModels = (ctx: DoctorContext): Named<RemoteServedModel>[] => named(ctx).filter((n): n is Named<RemoteServedModel> => isRemote(n.model));
