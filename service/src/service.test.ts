// startService's teardown lives in onClose hooks: app.close() closes the admin app, the keyring
// watcher, the cache and the engine, also when a port is taken and the start fails.
import { createServer } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import type { ServiceConfig } from './config.js';
import { startService } from './service.js';
import { freePort, logSink, renderedRuntimeConfig, tempKeyring } from '../../test/helpers/service.js';

/** Staging's rendered config on loopback ports, its upstream and Redis on ports where nothing listens. */
async function config(adminPort: number): Promise<ServiceConfig> {
  const staging = renderedRuntimeConfig('staging');
  const model = staging.model as Extract<ServiceConfig['model'], { source: 'remote' }>;
  return {
    ...staging,
    listen: { host: '127.0.0.1', port: 0, adminPort },
    model: { ...model, endpoint: `http://127.0.0.1:${await freePort()}/v1` },
    auth: { keyringFile: tempKeyring().file },
    cache: { redis: { enabled: true, url: `redis://127.0.0.1:${await freePort()}`, ttlSeconds: 60 } },
  };
}

describe('service teardown', () => {
  it('app.close() closes the admin app, keyring watcher, cache and engine', async () => {
    const sighup = process.listenerCount('SIGHUP');
    const service = await startService(await config(await freePort()), { log: logSink().log });
    expect(process.listenerCount('SIGHUP')).toBe(sighup + 1);
    const { deps, admin } = service;
    expect(admin?.server.listening).toBe(true);
    const closed = [vi.spyOn(deps.keyring!, 'close'), vi.spyOn(deps.cache!, 'close'), vi.spyOn(deps.models.default.engine, 'close')];

    await service.app.close();
    expect(closed.map((spy) => spy.mock.calls.length)).toEqual([1, 1, 1]);
    expect(admin!.server.listening).toBe(false);
    expect(process.listenerCount('SIGHUP')).toBe(sighup);
  });

  it('a taken admin port fails the start and still releases what was opened', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const sighup = process.listenerCount('SIGHUP');
    try {
      const port = (taken.address() as { port: number }).port;
      await expect(startService(await config(port), { log: logSink().log })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      expect(process.listenerCount('SIGHUP')).toBe(sighup);
    } finally {
      await new Promise<void>((r) => taken.close(() => r()));
    }
  });
});
