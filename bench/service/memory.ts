// bench/service section "memory": the service's resident memory under a 60 s loopback load on the
// cached chat path (fixed: a leak needs time to show, whatever --seconds says), sampled from
// /proc every 500 ms: idle before, the peak during, and after the load stops, checked once a
// second for up to 30 s until it is back within 10 % of idle. Same server and pinning as the
// gateway section, started with --expose-gc: at the very end the bench asks it for one full
// collection, which tells garbage V8 has not collected yet from memory that is really held.
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CONNECTIONS, chatLoad, primeCache } from './gateway.js';
import { autocannon, HAS_TASKSET, rssBytes, startRedis, startServer } from './http-load.js';
import type { SectionOptions, Table } from './table.js';

const LOAD_SECONDS = 60;
const SAMPLE_MS = 500;
/** How long to wait for the memory to come back after the load, checking once a second. */
const SETTLE_SECONDS = 30;
/** V8 returns the pages a collection freed to the system from a delayed background task, not at once. */
const UNMAP_WAIT_MS = 3000;
const PEAK_LIMIT = 300 * 2 ** 20;
const BACK_WITHIN = 0.1;

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

export async function memoryTables(opts: SectionOptions): Promise<Table[]> {
  if (!existsSync('/proc/self/status')) {
    console.log('memory: skipped, no /proc here to read the resident set size from (Linux only)\n');
    return [];
  }
  const redis = await startRedis();
  if ('missing' in redis) {
    console.log(`memory: skipped, ${redis.missing} (the cached path needs a local Redis)\n`);
    return [];
  }
  const bot = await startServer('smartbot', { redisUrl: redis.url, nodeArgs: ['--expose-gc'] }).catch(async (e: Error) => {
    await redis.stop();
    throw e;
  });
  try {
    await primeCache(bot);
    await sleep(2000);
    const idle = rssBytes(bot.pid);
    const idleHeap = (await bot.memoryUsage()).heapUsed;
    opts.progress(`idle ${mib(idle)}; ${LOAD_SECONDS} s of load on the cached path`);
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(bot.pid))), SAMPLE_MS);
    const load = await autocannon(chatLoad(bot, LOAD_SECONDS)).finally(() => clearInterval(sampler));
    peak = Math.max(peak, rssBytes(bot.pid));
    const end = rssBytes(bot.pid);
    let after = end;
    let waited = 0;
    while (after > idle * (1 + BACK_WITHIN) && waited < SETTLE_SECONDS) {
      await sleep(1000);
      waited++;
      after = rssBytes(bot.pid);
    }
    const back = after <= idle * (1 + BACK_WITHIN);
    const afterHeap = (await bot.memoryUsage()).heapUsed;
    const collected = await bot.memoryUsage('gc');
    await sleep(UNMAP_WAIT_MS);
    const collectedRss = rssBytes(bot.pid);
    return [
      {
        title: 'Memory under load',
        note:
          `smartbot (as in the gateway section) under ${LOAD_SECONDS} s of autocannon, ${CONNECTIONS} connections on the cached chat path ` +
          `(${Math.round(load.rps).toLocaleString('en-US')} req/s, ${load.non2xx + load.errors} not 2xx); RSS from /proc/<pid>/status every ${SAMPLE_MS} ms; ` +
          `${HAS_TASKSET ? 'server on CPU 0, load on CPU 1' : 'unpinned (no taskset)'}.`,
        columns: ['when', 'RSS', 'JS heap used'],
        rows: [
          ['idle (model loaded, cache primed, 2 s quiet)', mib(idle), mib(idleHeap)],
          ['peak during the load', mib(peak), ''],
          ['when the load stopped', mib(end), ''],
          [back ? `${waited} s after the load` : `${SETTLE_SECONDS} s after the load (not back yet)`, mib(after), mib(afterHeap)],
          [`then one full GC, ${UNMAP_WAIT_MS / 1000} s later (bench only: tells garbage from a leak)`, mib(collectedRss), mib(collected.heapUsed)],
        ],
        targets: [
          { target: 'peak RSS < 300 MiB', measured: mib(peak), met: peak < PEAK_LIMIT },
          { target: 'back within 10 % of idle after the load', measured: `${after >= idle ? '+' : ''}${(((after - idle) / idle) * 100).toFixed(1)} % after ${waited} s`, met: back },
        ],
      },
    ];
  } finally {
    await bot.stop();
    await redis.stop();
  }
}
