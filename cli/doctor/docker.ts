// Docker, when a Docker daemon answers on this host: the environment's images present, and for
// the containers of its compose project (rendered/<env>/compose, project smartbot-<env>) the log
// driver options as configured and their health. Read-only calls to the Docker API over its
// unix socket; without a daemon the section is skipped with a note.
import { localModels } from './models.js';
import { request } from 'node:http';
import { describeVariant, CPU_VARIANTS } from '../../contract/cpu-variants.js';
import { ok, problem, reason, skip, warn, type Check, type DoctorContext, type Finding } from './check.js';

const section = 'Docker';

/** What one Docker API answer may hold (a container list of a busy host is well under it). */
const DOCKER_ANSWER_MAX_BYTES = 8 * 2 ** 20;

/** GET `path` on the Docker API: status and parsed JSON body; the whole request within `timeoutMs`, the answer within the cap. */
export function dockerGet(socketPath: string, path: string, timeoutMs = 2000): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', headers: { host: 'docker' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        text += d;
        if (text.length > DOCKER_ANSWER_MAX_BYTES) req.destroy(new Error(`the answer is over ${DOCKER_ANSWER_MAX_BYTES / 2 ** 20} MiB`));
      });
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // /_ping answers plain "OK"
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', reject);
    });
    // A total deadline, not an idle one: a daemon that trickles bytes is cut all the same.
    const deadline = setTimeout(() => req.destroy(new Error(`no complete answer in ${timeoutMs} ms`)), timeoutMs);
    req.on('close', () => clearTimeout(deadline));
    req.on('error', reject);
    req.end();
  });
}

interface ContainerSummary {
  Id: string;
  Names: string[];
}
interface ContainerInspect {
  Name: string;
  Config?: { Image?: string };
  State: { Status: string; Health?: { Status: string; Log?: { Output: string }[] } };
  HostConfig: { LogConfig: { Type: string; Config: Record<string, string> } };
}

async function images(ctx: DoctorContext): Promise<Finding[]> {
  const s = ctx.config.service;
  const refs = [s.image, ...(localModels(ctx).length ? [s.runtimeImage] : [])];
  return Promise.all(
    refs.map(async (ref) => {
      const r = await dockerGet(ctx.host.dockerSocket, `/images/${encodeURI(ref)}/json`);
      if (r.status === 200) return ok(section, 'image', `image ${ref} is present`);
      const kind = ref === s.image ? 'service' : 'runtime';
      return warn(section, 'image', `image ${ref} is not on this Docker host`, {
        why: `\`docker compose up\` of rendered/${ctx.env}/compose pulls it first, which needs the registry (offline it fails)`,
        fix: `\`docker pull ${ref}\`, or build it here: \`containers/build.sh && docker tag smartbot/${kind}:test ${ref}\`.`,
      });
    }),
  );
}

async function containers(ctx: DoctorContext): Promise<Finding[]> {
  const project = `smartbot-${ctx.env}`;
  const filters = encodeURIComponent(JSON.stringify({ label: [`com.docker.compose.project=${project}`] }));
  const list = (await dockerGet(ctx.host.dockerSocket, `/containers/json?all=1&filters=${filters}`)).body as ContainerSummary[];
  if (!Array.isArray(list) || list.length === 0) return [skip(section, 'container', `no containers of compose project ${project} on this host: log options and health not checked`)];
  const { maxSize, maxFile } = ctx.config.logging;
  const recreate = `\`docker compose -f rendered/${ctx.env}/compose/docker-compose.yml up -d --force-recreate\``;
  const findings: Finding[] = [];
  for (const c of list) {
    const info = (await dockerGet(ctx.host.dockerSocket, `/containers/${c.Id}/json`)).body as ContainerInspect;
    const name = info.Name.replace(/^\//, '');
    const log = info.HostConfig.LogConfig;
    const size = log.Config['max-size'];
    const files = log.Config['max-file'];
    if (log.Type === 'json-file' && size === maxSize && files === String(maxFile)) findings.push(ok(section, 'container-logs', `${name} logs with json-file, max-size ${size}, max-file ${files}, as configured`));
    else
      findings.push(
        problem(section, 'container-logs', `${name} logs with ${log.Type}, max-size ${size ?? 'unset'}, max-file ${files ?? 'unset'}; logging says json-file, ${maxSize} × ${maxFile}`, {
          why: 'its logs are not rotated as configured: they can fill the disk, or the Fluent Bit parser does not find them',
          fix: `Recreate it from the rendered compose file: ${recreate}.`,
        }),
      );
    const health = info.State.Health?.Status;
    const last = info.State.Health?.Log?.at(-1)?.Output.trim().split('\n').at(-1)?.slice(0, 200);
    if (info.State.Status !== 'running')
      findings.push(problem(section, 'container-health', `${name} is ${info.State.Status}`, { why: 'it serves nothing', fix: `Read \`docker logs ${name}\` for why it stopped, then ${recreate}.` }));
    else if (health === 'healthy') findings.push(ok(section, 'container-health', `${name} is running and healthy`));
    else if (health === 'unhealthy')
      findings.push(problem(section, 'container-health', `${name} is unhealthy${last ? `: ${last}` : ''}`, { why: 'its healthcheck fails: compose keeps the service that depends on it from starting, and it is restarted', fix: `Read \`docker logs ${name}\`; the checks above show the usual causes (model, ports, Redis).` }));
    else findings.push(warn(section, 'container-health', `${name} is running, health ${health ?? 'not checked (no healthcheck)'}`, { why: 'it is not known to serve yet', fix: `Wait for its start period, then run doctor again; \`docker logs ${name}\` shows progress.` }));
    if (info.State.Status === 'running' && info.Config?.Image === ctx.config.service.runtimeImage) findings.push(await loadedCpuVariant(ctx, c.Id, name));
  }
  return findings;
}

/** The CPU variant a runtime container's llama-server loaded: its last "model loaded … cpuVariant=…" log line. */
async function loadedCpuVariant(ctx: DoctorContext, id: string, name: string): Promise<Finding> {
  // Docker frames each chunk of a container's output with 8 bytes; the lines between are text.
  const log = String((await dockerGet(ctx.host.dockerSocket, `/containers/${id}/logs?stdout=1&stderr=1&tail=1000`)).body);
  const level = [...log.matchAll(/\] model loaded [^\n]*\bcpuVariant=(\S+)/g)].at(-1)?.[1];
  if (!level) return skip(section, 'container-cpu-variant', `${name} has not logged which CPU variant it loaded (not loaded yet, or an image from before the variants)`);
  const variant = CPU_VARIANTS.find((v) => v.level === level);
  return ok(section, 'container-cpu-variant', `${name} decodes with llama-server's ${variant ? describeVariant(variant) : level} CPU variant`);
}

export const docker: Check = {
  section,
  async run(ctx) {
    try {
      const ping = await dockerGet(ctx.host.dockerSocket, '/_ping', 1000);
      if (ping.status !== 200) throw new Error(`/_ping answered ${ping.status}`);
    } catch (e) {
      return [skip(section, 'docker', `no Docker daemon answers at ${ctx.host.dockerSocket} (${reason(e)}): Docker checks skipped`)];
    }
    try {
      return [...(await images(ctx)), ...(await containers(ctx))];
    } catch (e) {
      return [problem(section, 'docker', `the Docker API at ${ctx.host.dockerSocket} failed: ${reason(e)}`, { why: 'images and containers could not be checked', fix: 'Check the daemon (`docker info`) and run doctor again.' })];
    }
  },
};
