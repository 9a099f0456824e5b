// Services: the remote model endpoint reachable, with its credential accepted, when the model is
// remote: GET <endpoint>/models with the configured credential (read from its Secret as the
// service reads it, never printed), the request the service's readiness makes.
import type { RemoteServedModel } from '../../contract/models.js';
import { remoteTarget } from '../../service/src/engine/remote.js';
import { fetchBounded } from '../http.js';
import { ok, problem, reason, skip, type Check, type DoctorContext, type Finding } from './check.js';
import { remoteModels, type Named } from './models.js';

const section = 'Services';

export const remoteEndpoint: Check = {
  section,
  async run(ctx) {
    const remote = remoteModels(ctx);
    if (!remote.length) return [skip(section, 'remote-endpoint', 'local model: no remote endpoint')];
    return (await Promise.all(remote.map((n) => endpointFindings(ctx, n)))).flat();
  },
};

async function endpointFindings(ctx: DoctorContext, { model, field, label }: Named<RemoteServedModel>): Promise<Finding[]> {
  const target = remoteTarget(ctx.service, model);
  const ref = `${model.auth.secretRef.name}/${model.auth.secretRef.key}`;
  let headers: Record<string, string>;
  try {
    headers = target.headers();
  } catch (e) {
    return [
      problem(section, 'remote-endpoint', `${label}the credential for ${model.endpoint} is not available here: ${reason(e)}`, {
        why: 'every chat request would fail: the service cannot authenticate to the model API',
        fix: `Provide Secret ${ref} as the message says (an environment variable for local runs, the mounted file in a cluster).`,
      }),
    ];
  }
  const started = performance.now();
  let status: number;
  try {
    status = (await fetchBounded(target.readinessUrl, { headers }, { timeoutMs: Math.min(model.timeoutMs, 10_000), maxBytes: 2 ** 20, signal: ctx.deadline })).status;
  } catch (e) {
    return [
      problem(section, 'remote-endpoint', `${label}GET ${target.readinessUrl} fails: ${reason(e)}`, {
        why: 'the service answers 503 (upstream_unavailable) while the model API cannot be reached',
        fix: `Check \`${field}.endpoint\` in ${ctx.envFile}, DNS and the network path (proxy, firewall, NetworkPolicy egress) from this host to it.`,
      }),
    ];
  }
  const ms = Math.round(performance.now() - started);
  if (status >= 200 && status < 300) return [ok(section, 'remote-endpoint', `${label}GET ${target.readinessUrl} answers ${status} in ${ms} ms with the configured ${model.auth.type} credential (Secret ${ref})`)];
  if (status === 401 || status === 403)
    return [
      problem(section, 'remote-endpoint', `${label}GET ${target.readinessUrl} answers ${status}: the credential from Secret ${ref} is not accepted`, {
        why: 'every chat request would fail upstream; the service answers 502',
        fix: `Put a valid ${model.auth.type === 'api-key' ? 'API key' : 'token'} in Secret ${ref} (and check \`${field}.auth.type\`: ${model.auth.type === 'api-key' ? 'sent as the api-key header' : 'sent as Authorization: Bearer'}).`,
      }),
    ];
  return [
    problem(section, 'remote-endpoint', `${label}GET ${target.readinessUrl} answers ${status}`, {
      why: 'the service treats the upstream as not ready and answers 503',
      fix: `Check that \`${field}.endpoint\` in ${ctx.envFile} is the API's base URL ending in /v1 (the service appends /models and /chat/completions).`,
    }),
  ];
}
