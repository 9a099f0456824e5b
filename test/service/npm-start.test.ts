// `npm start` as a new user runs it: the printed token and curl command work as printed, and so
// do the admin console's URL and token.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_REPLY } from '../../gguf/demo-model.js';
import { repoRoot } from '../helpers/env.js';
import { freePort } from '../helpers/service.js';

let child: ChildProcess | undefined;
afterAll(() => void child?.kill('SIGTERM'));


describe('npm start', () => {
  it('validates, serves dev on 127.0.0.1, and prints a token and a curl command that work', async () => {
    const port = await freePort();
    const adminPort = await freePort();
    child = spawn(process.execPath, ['bin/smartbot.js', 'start'], { cwd: repoRoot, env: { ...process.env, PORT: String(port), ADMIN_PORT: String(adminPort), UV_THREADPOOL_SIZE: '1' } });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    // The kubelet's way: probe readiness from the first moment, while the model loads.
    let ready = false;
    for (let i = 0; i < 300 && !(ready && /^ADMIN_TOKEN=/m.test(out)); i++) {
      ready = (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(out).toContain('✔ 4 environments valid');
    const token = /^YOUR_TOKEN=(\S+)$/m.exec(out)?.[1];
    const curl = /^curl .*$/m.exec(out)?.[0];
    expect(token).toMatch(/^eyJ/);
    expect(curl).toBe(
      `curl -X POST http://localhost:${port}/api/v1/chat -H "Authorization: Bearer \${YOUR_TOKEN}" -H "Content-Type: application/json" -d '{"messages": [{"role": "user", "content": "你好,介绍一下自己"}],"temperature": 0.7}'`,
    );
    // The printed command, as the shell would send it.
    const body = /-d '(.*)'$/.exec(curl!)![1]!;
    const send = (auth: string) => fetch(`http://localhost:${port}/api/v1/chat`, { method: 'POST', headers: { Authorization: auth, 'Content-Type': 'application/json' }, body });
    const r = await send(`Bearer ${token}`);
    expect(r.status).toBe(200);
    const json = await r.json();
    expect(json.object).toBe('chat.completion');
    expect(json.choices[0].message.content).toBe(DEMO_REPLY);
    expect((await send('Bearer wrong')).status).toBe(401);

    // The console: without a session, a bare redirect to the login page; the printed token signs in.
    expect(out).toContain(`Admin console: http://localhost:${adminPort}/ — sign in with this admin token (read-only console):`);
    const adminToken = /^ADMIN_TOKEN=(\S+)$/m.exec(out)?.[1];
    const bare = await fetch(`http://localhost:${adminPort}/`, { redirect: 'manual' });
    expect([bare.status, bare.headers.get('location'), await bare.text()]).toEqual([303, '/login', '']);
    const login = await fetch(`http://localhost:${adminPort}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${adminToken}` });
    expect(login.status).toBe(303);
    const overview = await fetch(`http://localhost:${adminPort}/`, { headers: { cookie: login.headers.get('set-cookie')!.split(';')[0]! } });
    expect(overview.status).toBe(200);
    expect(await overview.text()).toContain('<dt>Environment</dt><dd>dev</dd>');
    // Probes answered 503 while the model loaded, and a wrong token was refused: none of it is an
    // operator's [ERROR] (log-based alerts fire on those).
    expect(out).toMatch(/\[INFO\] request completed .*route=\/readyz status=503/);
    expect(out).not.toContain('[ERROR]');
  }, 60_000);
});
