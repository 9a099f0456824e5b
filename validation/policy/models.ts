// Several models (`models:`): one shape or the other, unique ids, a default that is one of
// them, and fallbacks that name models of the environment without going round in a loop (a
// request would be handed on forever). A single `model:` has the same fallback rules: it can
// name nothing but itself, which is a loop.
import { modelSet } from '../../contract/models.js';
import { closest } from '../text/suggest.js';
import type { Policy } from './policy.js';

export const modelChoice: Policy = {
  rules: ['models-both', 'model-id-duplicate', 'default-model-unknown', 'fallback-unknown', 'fallback-cycle'],
  reads: ['/model', '/models', '/defaultModel'],
  check({ config, report }) {
    if (config.model && config.models) return report('models-both', {}, '/models', 'key');
    const set = modelSet(config);
    const ids = set.models.map((m) => m.id);
    const known = ids.join(', ');

    const first = new Map<string, number>();
    set.models.forEach((m, i) => {
      const before = first.get(m.id);
      if (before === undefined) first.set(m.id, i);
      else report('model-id-duplicate', { id: m.id, first: set.names[before]!, again: set.names[i]! }, `${set.pointers[i]}/id`);
    });

    if (config.defaultModel !== undefined && !first.has(config.defaultModel)) {
      const suggestion = closest(config.defaultModel, ids);
      report('default-model-unknown', { id: config.defaultModel, known, ...(suggestion ? { suggestion } : {}) }, '/defaultModel');
    }

    set.models.forEach((m, i) =>
      (m.fallbacks ?? []).forEach((to, k) => {
        if (first.has(to)) return;
        const suggestion = closest(to, ids);
        report('fallback-unknown', { field: `${set.names[i]}.fallbacks[${k}]`, id: to, known, ...(suggestion ? { suggestion } : {}) }, `${set.pointers[i]}/fallbacks/${k}`);
      }),
    );

    // Loops: a depth-first walk over "falls back to"; each loop is reported once, at the
    // fallback that closes it.
    const next = (i: number) => (set.models[i]!.fallbacks ?? []).map((to) => first.get(to)).filter((j): j is number => j !== undefined);
    const state = new Map<number, 'open' | 'done'>();
    const path: number[] = [];
    const visit = (i: number) => {
      state.set(i, 'open');
      path.push(i);
      for (const j of next(i)) {
        if (state.get(j) === 'open') {
          const loop = [...path.slice(path.indexOf(j)), j].map((n) => set.models[n]!.id);
          const k = set.models[i]!.fallbacks!.indexOf(set.models[j]!.id);
          report('fallback-cycle', { field: `${set.names[i]}.fallbacks[${k}]`, loop: loop.join(' → ') }, `${set.pointers[i]}/fallbacks/${k}`);
        } else if (!state.has(j)) visit(j);
      }
      path.pop();
      state.set(i, 'done');
    };
    set.models.forEach((_, i) => state.has(i) || visit(i));
  },
};
