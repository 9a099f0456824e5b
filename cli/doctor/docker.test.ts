// Docker, against a stand-in Docker API on a unix socket: an image missing, a container whose
// log options differ from the environment's, an unhealthy one, the CPU variant a runtime
// container logged; and no daemon at all.
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { doctorRepo } from '../../test/helpers/doctor.js';
import { docker } from './docker.js';
import { tempDir } from '../../test/helpers/temp.js';

let api: Server;
afterAll(() => api?.close());

const container = (name: string, image: string, log: Record<string, string>, health: object) => ({ Name: `/${name}`, Config: { Image: image }, State: { Status: 'running', Health: health }, HostConfig: { LogConfig: { Type: 'json-file', Config: log } } });
/** Docker's log stream: each line framed by 8 bytes (stream 2 = stderr, then its length). */
const framed = (...lines: string[]) => lines.map((l) => `\u0002\u0000\u0000\u0000\u0000\u0000\u0000${String.fromCharCode(l.length + 1)}${l}\n`).join('');
const ROUTES: Record<string, [number, unknown]> = {
  '/_ping': [200, 'OK'],
  '/images/ghcr.io/smartbot/smart-bot-service:1.2.0/json': [200, { Id: 'sha256:1' }],
  '/images/ghcr.io/smartbot/smartbot-runtime:1.2.0/json': [404, { message: 'No such image' }],
  [`/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ label: ['com.docker.compose.project=smartbot-dev'] }))}`]: [200, [{ Id: 'a1' }, { Id: 'b2' }]],
  '/containers/a1/json': [200, container('smartbot-dev-smartbot-1', 'ghcr.io/smartbot/smart-bot-service:1.2.0', { 'max-size': '10m', 'max-file': '3' }, { Status: 'healthy' })],
  '/containers/b2/json': [200, container('smartbot-dev-smartbot-runtime-1', 'ghcr.io/smartbot/smartbot-runtime:1.2.0', { 'max-size': '100m' }, { Status: 'unhealthy', Log: [{ Output: 'GET /readyz: 503\n' }] })],
  '/containers/b2/logs?stdout=1&stderr=1&tail=1000': [
    200,
    framed('[2026-01-02 03:04:05] [INFO] model loaded model=demo engine=llama-server cpuVariant=x86-64-v3', '[2026-01-02 03:05:00] [INFO] model loaded model=demo engine=llama-server cpuVariant=x86-64-v4'),
  ],
};

describe('doctor: Docker', () => {
  it('checks images, log options and health of the compose project through the Docker API', async () => {
    const socket = join(tempDir('smartbot-docker-'), 'docker.sock');
    api = createServer((req, res) => {
      const [status, body] = ROUTES[req.url!] ?? [404, { message: `no route ${req.url}` }];
      res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
    });
    await new Promise<void>((r) => api.listen(socket, r));
    const repo = doctorRepo();
    const recreate = '`docker compose -f rendered/dev/compose/docker-compose.yml up -d --force-recreate`';
    expect(await docker.run(repo.ctx({ dockerSocket: socket }))).toEqual([
      { section: 'Docker', check: 'image', status: 'ok', summary: 'image ghcr.io/smartbot/smart-bot-service:1.2.0 is present' },
      {
        section: 'Docker',
        check: 'image',
        status: 'warn',
        summary: 'image ghcr.io/smartbot/smartbot-runtime:1.2.0 is not on this Docker host',
        why: '`docker compose up` of rendered/dev/compose pulls it first, which needs the registry (offline it fails)',
        fix: '`docker pull ghcr.io/smartbot/smartbot-runtime:1.2.0`, or build it here: `containers/build.sh && docker tag smartbot/runtime:test ghcr.io/smartbot/smartbot-runtime:1.2.0`.',
      },
      { section: 'Docker', check: 'container-logs', status: 'ok', summary: 'smartbot-dev-smartbot-1 logs with json-file, max-size 10m, max-file 3, as configured' },
      { section: 'Docker', check: 'container-health', status: 'ok', summary: 'smartbot-dev-smartbot-1 is running and healthy' },
      {
        section: 'Docker',
        check: 'container-logs',
        status: 'problem',
        summary: 'smartbot-dev-smartbot-runtime-1 logs with json-file, max-size 100m, max-file unset; logging says json-file, 10m × 3',
        why: 'its logs are not rotated as configured: they can fill the disk, or the Fluent Bit parser does not find them',
        fix: `Recreate it from the rendered compose file: ${recreate}.`,
      },
      {
        section: 'Docker',
        check: 'container-health',
        status: 'problem',
        summary: 'smartbot-dev-smartbot-runtime-1 is unhealthy: GET /readyz: 503',
        why: 'its healthcheck fails: compose keeps the service that depends on it from starting, and it is restarted',
        fix: 'Read `docker logs smartbot-dev-smartbot-runtime-1`; the checks above show the usual causes (model, ports, Redis).',
      },
      // The last start's line counts (the container restarted).
      { section: 'Docker', check: 'container-cpu-variant', status: 'ok', summary: "smartbot-dev-smartbot-runtime-1 decodes with llama-server's x86-64-v4 (AVX-512) CPU variant" },
    ]);
  });

  it('without a daemon the section is skipped with a note', async () => {
    const socket = join(tempDir('smartbot-docker-'), 'absent.sock');
    expect(await docker.run(doctorRepo().ctx({ dockerSocket: socket }))).toEqual([
      { section: 'Docker', check: 'docker', status: 'skip', summary: `no Docker daemon answers at ${socket} (connect ENOENT ${socket}): Docker checks skipped` },
    ]);
  });
});
