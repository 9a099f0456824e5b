// The running service's /readyz, against a stand-in that answers like smartbot while its model
// loads: the port is smartbot's own (fine), the readiness is a problem.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { doctorRepo } from '../../test/helpers/doctor.js';
import { ports } from './ports.js';
import { readyz } from './readyz.js';

let service: Server;
let imitation: Server;
afterAll(() => {
  service?.close();
  imitation?.close();
});

describe('doctor: the running service', () => {
  it('a service on the configured port that is not ready: its port is fine, its readiness a problem', async () => {
    // As smartbot does: the caller's x-request-id echoed.
    service = createServer((req, res) => {
      res.writeHead(req.url === '/readyz' ? 503 : 404, { 'content-type': 'application/json', 'x-request-id': String(req.headers['x-request-id'] ?? 'req-1') }).end('{"status": "not ready", "reason": "model loading"}');
    });
    await new Promise<void>((r) => service.listen(0, '127.0.0.1', r));
    const port = (service.address() as AddressInfo).port;
    const ctx = doctorRepo((y) => `${y}ports: {external: ${port}}\n`).ctx();
    const [external] = await ports.run(ctx);
    expect(external).toMatchObject({ status: 'ok', summary: expect.stringMatching(new RegExp(`^port ${port} \\(ports\\.external\\) is held by the smartbot service itself: pid ${process.pid} `)) });
    expect(await readyz.run(ctx)).toEqual([
      {
        section: 'Services',
        check: 'readyz',
        status: 'problem',
        summary: `http://127.0.0.1:${port}/readyz answers 503 not ready: model loading`,
        why: 'until it is ready the service answers every chat request with 503',
        fix: 'Read the service log for the cause; the model checks above show why a local model would not load, and the remote-endpoint check why an upstream does not answer.',
      },
    ]);
  });

  it('another server answering 503 {"status": "not ready"} is not taken for smartbot: its port is a problem', async () => {
    imitation = createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json', 'x-request-id': 'req-000000000000' }).end('{"status": "not ready", "reason": "warming up"}');
    });
    await new Promise<void>((r) => imitation.listen(0, '127.0.0.1', r));
    const port = (imitation.address() as AddressInfo).port;
    const ctx = doctorRepo((y) => `${y}ports: {external: ${port}}\n`).ctx();
    const [external] = await ports.run(ctx);
    expect(external).toMatchObject({ status: 'problem', summary: expect.stringMatching(new RegExp(`^port ${port} \\(ports\\.external\\) is in use by pid ${process.pid} `)) });
    expect((await readyz.run(ctx))[0]).toMatchObject({ status: 'warn', summary: `http://127.0.0.1:${port}/readyz answers 503, but not as smartbot does (it does not echo a request id)` });
  });
});
