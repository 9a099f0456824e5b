// The models this service answers with, by id: each with its engine (its own queue and its own
// sequences) and its fallbacks. The routes ask it which model a request names (404 naming the
// ids served when none), in what order models are tried (the chosen one, then its own
// fallbacks in order: theirs are not followed), and whether the service is ready (when its
// default model is; the others are named when they are not).
import type { ServedModel } from '../../contract/models.js';
import type { ChatEngine, ModelDecodeStats, Readiness } from './engine/types.js';
import { ApiError } from './errors.js';

export interface RoutedModel {
  id: string;
  engine: ChatEngine;
  /** Ids tried in order when this model cannot start an answer. */
  fallbacks: readonly string[];
  /** Tokens a prompt may fill: a local model's context. A remote one's is not known: Infinity, larger than any local context. */
  contextTokens: number;
  /** As configured (the console shows it); absent for engines tests build. */
  spec?: ServedModel;
}

/** The service's readiness: its default model's, and every model that is not ready, by id. */
export interface ServiceReadiness extends Readiness {
  notReady: Record<string, string>;
}

/** How long /readyz waits for the other models' readiness: a probe must not hang on a silent upstream. */
export const OTHERS_READINESS_MS = 1000;

export class ModelRouter {
  private readonly byId: Map<string, RoutedModel>;
  readonly default: RoutedModel;

  constructor(
    readonly list: readonly RoutedModel[],
    defaultId: string,
  ) {
    this.byId = new Map(list.map((m) => [m.id, m]));
    const found = this.byId.get(defaultId);
    if (!found) throw new Error(`default model ${defaultId} is not among ${this.ids.join(', ')}`);
    this.default = found;
  }

  /** One engine as the whole service (tests, and the runtime's own front). */
  static of(engine: ChatEngine): ModelRouter {
    return new ModelRouter([{ id: engine.modelId, engine, fallbacks: [], contextTokens: Infinity }], engine.modelId);
  }

  get ids(): string[] {
    return this.list.map((m) => m.id);
  }

  get(id: string): RoutedModel | undefined {
    return this.byId.get(id);
  }

  /** The model a request names (the default when it names none); 404 model_not_found naming the ids served. */
  resolve(asked: string | null | undefined): RoutedModel {
    if (asked == null) return this.default;
    const found = this.byId.get(asked);
    if (!found) throw new ApiError('model_not_found', { asked, served: this.ids });
    return found;
  }

  /** The chosen model, then its fallbacks in order. */
  chain(first: RoutedModel): RoutedModel[] {
    return [first, ...first.fallbacks.map((id) => this.byId.get(id)).filter((m): m is RoutedModel => m !== undefined)];
  }

  /** Ready when the default model is; every model that is not is named. */
  async readiness(): Promise<ServiceReadiness> {
    const timeout = (): Promise<Readiness> =>
      new Promise((resolve) => setTimeout(() => resolve({ ready: false, reason: `no readiness answer within ${OTHERS_READINESS_MS} ms` }), OTHERS_READINESS_MS).unref());
    const states = await Promise.all(this.list.map((m) => (m === this.default ? m.engine.readiness() : Promise.race([m.engine.readiness(), timeout()]))));
    const notReady: Record<string, string> = {};
    this.list.forEach((m, i) => {
      if (!states[i]!.ready) notReady[m.id] = states[i]!.reason ?? 'unknown';
    });
    const own = states[this.list.indexOf(this.default)]!;
    return { ...own, notReady };
  }

  /** Requests waiting, over all models. */
  queueDepth(): number {
    return this.list.reduce((n, m) => n + m.engine.queueDepth(), 0);
  }

  /** Requests holding a sequence now, over all models (each has inference.parallelSequences). */
  busySequences(): number {
    return this.list.reduce((n, m) => n + m.engine.busySequences(), 0);
  }

  /** What each in-process model decoded since it loaded. */
  decodeStats(): ModelDecodeStats[] {
    return this.list.flatMap((m) => {
      const stats = m.engine.decodeStats?.();
      return stats ? [{ model: m.id, stats }] : [];
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.list.map((m) => m.engine.close()));
  }
}
