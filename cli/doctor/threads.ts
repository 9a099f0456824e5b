// Runtime: UV_THREADPOOL_SIZE, and the inference threads against the CPUs this host (or its
// cgroup) allows. node-llama-cpp runs inference on libuv's pool; with the default pool of 4 it
// competes with llama.cpp's own threads (docs/performance.md: 58 vs 166 tokens/s on 2 cores).
import { modelThreads } from '../../contract/models.js';
import { ok, problem, skip, warn, type Check, type Finding } from './check.js';
import { localModels } from './models.js';

const section = 'Runtime';

export const threads: Check = {
  section,
  async run(ctx) {
    const local = localModels(ctx);
    if (!local.length) return [skip(section, 'threads', 'remote model: no local inference threads')];
    const findings: Finding[] = [];
    const pool = ctx.host.env.UV_THREADPOOL_SIZE;
    const starters = '`npm start`, `npm run service`, the rendered Deployment and compose all set UV_THREADPOOL_SIZE=1';
    if (pool === '1') findings.push(ok(section, 'uv-threadpool', 'UV_THREADPOOL_SIZE=1 in this shell'));
    else if (pool === undefined) findings.push(ok(section, 'uv-threadpool', `UV_THREADPOOL_SIZE is not set in this shell: ${starters}; set it yourself before \`node dist/service/src/entries/main.js\``));
    else
      findings.push(
        warn(section, 'uv-threadpool', `UV_THREADPOOL_SIZE is ${pool} in this shell`, {
          why: `a service started from this shell by hand would share libuv's pool with llama.cpp's threads and decode several times slower; ${starters}`,
          fix: 'Start the service with `npm start` or `npm run service`, or `export UV_THREADPOOL_SIZE=1` before `node dist/service/src/entries/main.js`.',
        }),
      );
    // Several local models each decode on their own threads: together they must fit the CPUs.
    const n = local.length === 1 ? ctx.service.threads : local.reduce((sum, { model }) => sum + modelThreads(model, ctx.service.threads, local.length), 0);
    const cpus = ctx.host.cpus;
    const own = local.filter(({ model }) => model.threads);
    const from = own.length ? own.map(({ model, field }) => `${field}.threads ${model.threads}`).join(', ') : `resources.cpu "${ctx.config.resources.cpu}"`;
    if (n <= cpus.count) findings.push(ok(section, 'threads', `${n} inference threads (from ${from}) on ${cpus.source}`));
    else
      findings.push(
        problem(section, 'threads', `${n} inference threads (from ${from}), but only ${cpus.count} CPUs are available here (${cpus.source})`, {
          why: 'more llama.cpp threads than CPUs make them wait on each other and on the service: tokens per second drop several-fold',
          fix: `Set \`${local.length === 1 ? `${local[0]!.field}.threads` : 'threads'}: ${local.length === 1 ? cpus.count : Math.max(1, Math.floor(cpus.count / local.length))}\`${local.length === 1 ? '' : ' on each local model'} (or \`resources.cpu: "${cpus.count}"\`) in ${ctx.envFile}, or run where ${n} CPUs are available.`,
        }),
      );
    return findings;
  },
};
