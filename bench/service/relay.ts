// bench/service section "relay": the service's hop alone, on the deployed pair's shape without
// containers — the service (this build, and --compare's) in front of one runtime on llama-server
// (the image's portable build), against native llama-server and the runtime alone, all on the
// same model, threads and slots. Every run measures each server in turn (native, runtime,
// service, compared service, native, …), so a shared machine's swings fall on all of them alike.
// With the images built (TAG=… containers/build.sh), the deployed pair itself (service container →
// runtime container) is measured in the same turns.
// BENCH_CPU_PROF=DIR writes this build's service's CPU profile there (profile-summary.ts reads it).
import { benchModel } from './model.js';
import { startLocalService, type LocalService } from './local-service.js';
import { deployedPair, inTurns, JUDGED_RUNS, llamaServer, llamaServerBinary, pct, runtimeOnLlamaServer, SLOTS, stopAll, subject, THREADS, type Server, type Subject } from './runtime.js';
import { spread } from './summary.js';
import { median, type SectionOptions, type Table } from './table.js';

export async function relayTables(opts: SectionOptions): Promise<Table[]> {
  const runs = Math.max(JUDGED_RUNS, opts.runs);
  const stops: (() => void | Promise<void>)[] = [];
  try {
    const native: Server = await llamaServer(llamaServerBinary('native'), THREADS);
    stops.push(native.stop);
    const runtime = await runtimeOnLlamaServer(llamaServerBinary('portable'), THREADS);
    stops.push(runtime.stop);
    const service = async (dist: string | undefined, nodeArgs: string[] = []): Promise<LocalService> => {
      const s = await startLocalService({ modelPath: benchModel(), threads: THREADS, sequences: SLOTS, cpus: '0,1', runtime: { url: `${runtime.base}/v1`, port: Number(new URL(runtime.base).port) }, nodeArgs, ...(dist ? { dist } : {}) });
      stops.push(s.stop);
      return s;
    };
    const prof = process.env.BENCH_CPU_PROF;
    const mine = await service(undefined, prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []);
    const subjects: Subject[] = [
      subject(`llama.cpp's llama-server (native build, -t ${THREADS} -np ${SLOTS})`, native.base),
      subject(runtime.name, runtime.base),
      subject('service → runtime (this build)', mine.url, { headers: { authorization: `Bearer ${mine.key}` }, pid: mine.pid }),
    ];
    if (opts.compare) {
      const theirs = await service(opts.compare);
      subjects.push(subject(`service → runtime (${opts.compare})`, theirs.url, { headers: { authorization: `Bearer ${theirs.key}` }, pid: theirs.pid }));
    }
    let pair: Subject | undefined;
    try {
      const p = await deployedPair();
      stops.push(p.stop);
      pair = subject('service container → runtime container (as deployed; from the host)', p.base, { headers: p.headers });
      subjects.push(pair);
    } catch (e) {
      console.log(`deployed pair row: skipped — ${(e as Error).message}`);
    }
    await inTurns(subjects, runs, opts);
    const [base] = subjects;
    // Native and this build's service are what the table compares: without either it says nothing.
    const missing = [base!, subjects[2]!].find((s) => s.failed);
    if (missing) {
      console.log(`relay table: skipped — ${missing.label} did not finish its runs`);
      return [];
    }
    const one = median(base!.rates.one);
    const four = median(base!.rates.four);
    const ours = subjects[2]!.rates;
    const targets: Table['targets'] = [
      { target: 'service → runtime ≥ 90 % of llama-server, 1 stream', measured: pct(median(ours.one), one), met: median(ours.one) >= 0.9 * one },
      { target: `service → runtime ≥ 90 % of llama-server, ${SLOTS} streams`, measured: pct(median(ours.four), four), met: median(ours.four) >= 0.9 * four },
    ];
    if (pair)
      targets.push(
        { target: 'deployed pair ≥ 90 % of llama-server, 1 stream', measured: pct(median(pair.rates.one), one), met: median(pair.rates.one) >= 0.9 * one },
        { target: `deployed pair ≥ 90 % of llama-server, ${SLOTS} streams`, measured: pct(median(pair.rates.four), four), met: median(pair.rates.four) >= 0.9 * four },
      );
    const theirs = opts.compare ? subjects[3]?.rates : undefined;
    return [
      {
        title: "The service's relay: service → runtime against llama-server (tokens/s)",
        note: `Seeded 58M F16 model, ${THREADS} threads, ${SLOTS} slots, streamed answers of up to 128 tokens at temperature 0; aggregate tokens/s over ${opts.seconds} s of closed-loop requests, median (range) of ${runs} interleaved runs. Every process on CPUs 0,1, the client too; a service's CPU time (user + system, /proc) over the ${SLOTS}-stream runs per token it relayed.`,
        columns: ['server', '1 stream', `${SLOTS} streams`, 'vs native, 1', `vs native, ${SLOTS}`, `service CPU µs/token, ${SLOTS} streams`],
        rows: subjects.filter((s) => !s.failed).map((s) => [s.label, spread(s.rates.one), spread(s.rates.four), pct(median(s.rates.one), one), pct(median(s.rates.four), four), s.pid ? spread(s.cpuUsPerToken) : '–']),
        targets,
        ...(theirs ? { after: `This build's service against ${opts.compare}'s: ${pct(median(ours.one), median(theirs.one))} at 1 stream, ${pct(median(ours.four), median(theirs.four))} at ${SLOTS}.` } : {}),
      },
    ];
  } finally {
    await stopAll(stops.reverse());
  }
}
