// The remote model endpoint: GET /models with the configured credential, against a local
// stand-in for the API that wants one bearer key.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { doctorRepo } from '../../test/helpers/doctor.js';
import { BASE_ENV } from '../../test/helpers/env.js';
import { freePort } from '../../test/helpers/service.js';
import { remoteEndpoint } from './remote-endpoint.js';

const SECRET_VAR = 'SMARTBOT_SECRET_UPSTREAM_TOKEN';
let api: Server;
const seen: (string | undefined)[] = [];
afterAll(() => {
  api?.close();
  delete process.env[SECRET_VAR];
});

async function start(): Promise<number> {
  api = createServer((req, res) => {
    seen.push(req.headers.authorization);
    const ok = req.url === '/v1/models' && req.headers.authorization === 'Bearer right-key';
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(ok ? '{"data": []}' : '{"error": {"message": "bad key"}}');
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  return (api.address() as AddressInfo).port;
}

describe('doctor: the remote model endpoint', () => {
  it('says when the credential is missing, rejected or accepted, and when the API is unreachable — never printing the key', async () => {
    const port = await start();
    const repo = doctorRepo(() => BASE_ENV.replace('https://api.example.com/v1', `http://127.0.0.1:${port}/v1`));
    const run = async () => (await remoteEndpoint.run(repo.ctx()))[0]!;

    delete process.env[SECRET_VAR];
    expect(await run()).toMatchObject({
      status: 'problem',
      summary: `the credential for http://127.0.0.1:${port}/v1 is not available here: secret upstream/token is not set: mount it at /var/run/secrets/smartbot/upstream/token or set $${SECRET_VAR}`,
      fix: 'Provide Secret upstream/token as the message says (an environment variable for local runs, the mounted file in a cluster).',
    });

    process.env[SECRET_VAR] = 'wrong-key';
    const rejected = await run();
    expect(rejected).toMatchObject({
      status: 'problem',
      summary: `GET http://127.0.0.1:${port}/v1/models answers 401: the credential from Secret upstream/token is not accepted`,
      fix: 'Put a valid token in Secret upstream/token (and check `model.auth.type`: sent as Authorization: Bearer).',
    });
    expect(JSON.stringify(rejected)).not.toContain('wrong-key');

    process.env[SECRET_VAR] = 'right-key';
    const accepted = await run();
    expect(accepted.status).toBe('ok');
    expect(accepted.summary).toMatch(new RegExp(`^GET http://127\\.0\\.0\\.1:${port}/v1/models answers 200 in \\d+ ms with the configured bearer credential \\(Secret upstream/token\\)$`));
    expect(seen.slice(-2)).toEqual(['Bearer wrong-key', 'Bearer right-key']);

    const closed = await freePort();
    const down = doctorRepo(() => BASE_ENV.replace('https://api.example.com/v1', `http://127.0.0.1:${closed}/v1`));
    expect((await remoteEndpoint.run(down.ctx()))[0]).toMatchObject({ status: 'problem', summary: `GET http://127.0.0.1:${closed}/v1/models fails: connect ECONNREFUSED 127.0.0.1:${closed}` });
  });
});
