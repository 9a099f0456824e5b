// Ports: the guide's "port conflict" row. Each port this host binds for the environment must be
// free, or held by smartbot itself. The host binds ports.external (`npm start`, and compose
// publishes it) and ports.admin (compose publishes it on 127.0.0.1); the internal port lives in
// the container's own network namespace.
import { createServer } from 'node:net';
import { ok, problem, type Check, type DoctorContext, type Finding } from './check.js';
import { holdersOf, listenersOn } from './port-holders.js';
import { smartbotReadiness } from './readyz.js';

const section = 'Ports';

/** Can this process bind the port? The fallback where /proc cannot be read. */
function bindable(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    s.listen(port, () => s.close(() => resolve(undefined)));
  });
}

async function checkPort(ctx: DoctorContext, field: string, port: number): Promise<Finding> {
  const where = `port ${port} (${field})`;
  const change = `give smartbot another port: set \`${field}\` in ${ctx.envFile} and run \`npx smartbot render\`${field === 'ports.external' ? ' (for `npm start` alone: `PORT=<free port> npm start`)' : ''}`;
  const why = `smartbot cannot listen on it: \`npm start\` and \`docker compose up\` of rendered/${ctx.env}/compose fail with EADDRINUSE`;
  const listeners = listenersOn(port, ctx.host.procDir);
  if (listeners === undefined) {
    const failure = await bindable(port);
    if (failure === undefined) return ok(section, 'port', `${where} is free`);
    return problem(section, 'port', `${where} cannot be bound: ${failure}`, { why, fix: `Free the port (\`ss -ltnp 'sport = :${port}'\` shows who holds it), or ${change}.` });
  }
  if (listeners.length === 0) return ok(section, 'port', `${where} is free`);
  const { holders, hidden } = holdersOf(new Set(listeners.map((l) => l.inode)), ctx.host.procDir);
  const who = holders.map((h) => `pid ${h.pid} (${h.command})`).join(', ');
  if (await smartbotReadiness(port, ctx.deadline)) return ok(section, 'port', `${where} is held by the smartbot service itself${who ? `: ${who}` : ''}`);
  const addresses = [...new Set(listeners.map((l) => l.address))].join(', ');
  if (holders.length === 0)
    return problem(section, 'port', `${where} is in use (listening on ${addresses}) by a process this user cannot see${hidden ? ` (${hidden} processes were not readable)` : ''}`, {
      why,
      fix: `Find it as root (\`sudo ss -ltnp 'sport = :${port}'\`) and stop it, or ${change}.`,
    });
  return problem(section, 'port', `${where} is in use by ${who}, listening on ${addresses}`, {
    why,
    fix: `Stop it (\`kill ${holders.map((h) => h.pid).join(' ')}\`), or ${change}.`,
  });
}

export const ports: Check = {
  section,
  async run(ctx) {
    const p = ctx.config.ports;
    const bound = [['ports.external', p.external] as const, ...(p.admin === undefined ? [] : [['ports.admin', p.admin] as const])];
    return Promise.all(bound.map(([field, port]) => checkPort(ctx, field, port)));
  },
};
