// What the runtime container serves of an environment: its local models only, without the
// fallbacks (the service follows them), on the runtime's port.
import { describe, expect, it } from 'vitest';
import { renderedRuntimeConfig } from '../../../test/helpers/service.js';
import { runtimeConfig } from './llama-runtime.js';

describe('runtimeConfig', () => {
  it("multi: the two local models, the default when it is local, the runtime's port, no cache", () => {
    const c = runtimeConfig(renderedRuntimeConfig('multi'), 'runtime.json');
    expect(c.models!.map((m) => [m.id, m.source, m.fallbacks])).toEqual([
      ['small', 'local', undefined],
      ['large', 'local', undefined],
    ]);
    expect([c.defaultModel, c.listen, c.cache.redis.enabled]).toEqual(['small', { host: '0.0.0.0', port: 8001 }, false]);
    // A remote default leaves the runtime the first local model as its own.
    expect(runtimeConfig({ ...renderedRuntimeConfig('multi'), defaultModel: 'hosted' }, 'runtime.json').defaultModel).toBe('small');
  });

  it('one model stays as it is; a remote one is refused by name', () => {
    expect(runtimeConfig(renderedRuntimeConfig('dev'), 'runtime.json').model).toEqual(renderedRuntimeConfig('dev').model);
    expect(() => runtimeConfig(renderedRuntimeConfig('staging'), '/etc/smartbot/config/runtime.json')).toThrow('/etc/smartbot/config/runtime.json names a remote model: the runtime serves local GGUF models only');
  });
});
