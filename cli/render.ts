// `smartbot render [--env NAME] [--out DIR] [--check] [--format text|json|github]`
// Validates first; an invalid environment prints the validate report and nothing is written.
// A fleet is rendered on worker threads (render/chunk.ts), each change staged beside its tree
// and swapped in only once every environment rendered; the output is the same for any --jobs.
// The render cache (render/cache.ts) spares the trees whose inputs and files did not change.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { environmentFile, environmentNameFromFile, LAYOUT } from '../contract/paths.js';
import { UserError } from '../contract/run-main.js';
import { runWorkers, splitEvenly, WorkerPool, workerCount, workerScript } from '../contract/worker-pool.js';
import { compareTree, discardStaged, removeLeftovers, removePatchDir, removeTrees, stageTree, swapTree, type Drift, type ReplacedTree, type StagedTree } from '../generators/output.js';
import { hasErrors } from '../validation/diagnostics.js';
import { staleCount, type RenderOutcome } from '../validation/format/format.js';
import { FORMATTERS } from '../validation/format/index.js';
import { environmentTargets } from '../validation/targets.js';
import { RenderCache, stampOf, statTree, type CacheEntry } from './render/cache.js';
import type { RenderChunkInput, RenderedEnvironment } from './render/chunk.js';
import { EXIT, progressLine, UsageError, wholeNumberOption, type CliIO } from './io.js';
import { formatOption, maxFileSizeOption } from './options.js';
// Imported once the workers are started (they load the same modules meanwhile): the pipeline
// in this thread (--jobs 1), the cluster groups' templates, and validate's report on errors.

export const renderHelp = `Usage: smartbot render [--env NAME] [--out DIR] [--check] [--format text|json|github]

Validates, then renders every environment (or --env NAME) to rendered/<env>/:
kubernetes/ (objects + kustomization.yaml), compose/docker-compose.yml, and the Argo CD or
Flux bootstrap objects. Changes are staged and swapped in with renames, never a half-written
file, and only once every environment rendered: a tree whose file list changes is swapped in
whole, one whose files only change content has just those files replaced.

Options:
  --env NAME      only this environment (environments/NAME.yaml)
  --out DIR       output root (default rendered)
  --check         write nothing; exit 1 listing stale files (at most 50, then a count) when
                  rendered/ is out of date
  --format F      text (default), json, or github (::error annotations for stale files)
  --jobs N        worker threads (default: one per core for large repositories)
  --no-cache      validate, render and compare every environment in full (default: an
                  environment whose inputs and rendered files are unchanged since the last
                  run is not rendered, nor validated again when nothing its validation read
                  changed; the cache is in .smartbot-cache/)
  --max-file-size SIZE  largest environment, tier or keyring file read (default 1Mi)
  --root DIR      repository root (default: the current directory)
`;

/** Below this many environments per worker, a worker's start costs more than it saves. */
const ENVIRONMENTS_PER_WORKER = 400;
/** Parts per worker: a worker slowed by a neighbour takes fewer of them (each part costs one validator's set-up). */
const PARTS_PER_WORKER = 4;
/** Replaced trees per removing worker (one tree ≈ 0.2 ms; a worker that imports only fs starts in ≈ 40 ms). */
const TREES_PER_REMOVER = 500;

export async function renderCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      env: { type: 'string' },
      out: { type: 'string' },
      check: { type: 'boolean' },
      format: { type: 'string' },
      jobs: { type: 'string' },
      'no-cache': { type: 'boolean' },
      'max-file-size': { type: 'string' },
      root: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return io.out(renderHelp), EXIT.ok;
  const format = formatOption(values.format);
  const maxFileBytes = maxFileSizeOption(values['max-file-size']);
  const root = values.root ?? '.';
  const outDir = join(root, values.out ?? LAYOUT.rendered);
  if (values.env !== undefined && !/^[a-z0-9][-a-z0-9_]*$/.test(values.env)) throw new UsageError(`invalid --env "${values.env}"`);
  const requestedJobs = wholeNumberOption('--jobs', values.jobs);
  const mode = values.check ? 'check' : 'write';

  const { targets, empty } = environmentTargets(root, values.env ? [join(root, environmentFile(values.env))] : undefined);
  const script = workerScript(new URL('./render/worker.js', import.meta.url));
  const jobs = script ? workerCount(targets.length, ENVIRONMENTS_PER_WORKER, requestedJobs) : 1;
  // Started first: the workers load the toolchain while this thread reads the render cache.
  const pool = jobs > 1 ? new WorkerPool<RenderChunkInput, RenderedEnvironment[]>(script!, jobs) : undefined;
  let parts: RenderedEnvironment[][];
  let cache = RenderCache.disabled();
  try {
    if (!values['no-cache']) cache = RenderCache.open(root, outDir);
    const shared: Omit<RenderChunkInput, 'targets'> = { root, outDir, mode, maxFileBytes };
    /** A part of the run, with the cache's entries for its environments (workers get only theirs). */
    const part = (t: typeof targets): RenderChunkInput => {
      if (values['no-cache']) return { ...shared, targets: t };
      const entries: Record<string, CacheEntry> = {};
      for (const { file } of t) {
        const name = environmentNameFromFile(file);
        const e = cache.entries.get(name);
        if (e) entries[name] = e;
      }
      return { ...shared, targets: t, cache: entries };
    };
    const progress = progressLine(io, 'render', mode === 'check' ? 'checked' : 'rendered');
    const onProgress = (done: number) => progress(done, targets.length);
    parts = pool ? await pool.run(splitEvenly(targets, Math.min(targets.length, jobs * PARTS_PER_WORKER)).map(part), onProgress) : [(await import('./render/chunk.js')).renderChunk(part(targets), onProgress)];
  } finally {
    await pool?.close();
  }
  const results = parts.flat();
  const discard = () => discardStaged(outDir, results.flatMap((e) => (e.staged ? [e.staged] : [])));

  // The render pass looked for errors only; when there are any, what `smartbot validate` prints for these environments, warnings included.
  if (empty.length > 0 || results.some((e) => e.io || hasErrors(e.diagnostics))) {
    discard();
    const { validateEnvironments } = await import('../validation/validate.js');
    const validated = validateEnvironments({ root, maxFileBytes, ...(values.env ? { paths: [join(root, environmentFile(values.env))] } : {}) });
    io.out(FORMATTERS[format]!.validate(validated));
    io.err(`smartbot render: nothing written — fix the problems above first\n`);
    return validated.ioError ? EXIT.usage : EXIT.invalid;
  }
  const failed = results.find((e) => e.failure);
  if (failed) {
    discard();
    throw new UserError(failed.failure!);
  }

  const drift: Drift = { changed: [], missing: [], extra: [] };
  const summary: RenderOutcome['environments'] = [];
  const replaced: ReplacedTree[] = [];
  const swap = (env: string, staged: StagedTree, rest: RenderedEnvironment[] = []) => {
    let old: ReplacedTree | undefined;
    try {
      old = swapTree(outDir, env, staged);
    } catch (e) {
      // Nothing staged is left behind: what was not swapped in, and the trees already replaced.
      discardStaged(outDir, rest.flatMap((r) => (r.staged ? [r.staged] : [])));
      removeTrees(replaced);
      const partly = 'patch' in staged ? ' (its changed files are replaced one by one: some may be new, some old)' : '';
      throw new UserError(`could not swap in ${join(outDir, env)}/${partly}: ${(e as Error).message} — fix that and run smartbot render again`);
    }
    if (old) replaced.push(old);
  };
  for (const [i, e] of results.entries()) {
    if (e.drift) drift.changed.push(...e.drift.changed), drift.missing.push(...e.drift.missing), drift.extra.push(...e.drift.extra);
    else if (e.staged) swap(e.name, e.staged, results.slice(i + 1));
    summary.push({ env: e.name, files: e.files!, ...(mode === 'write' ? { status: e.staged ? ('written' as const) : ('unchanged' as const) } : {}), ...(e.cached ? { cached: e.cached } : {}) });
  }
  // A patched tree's stamp: its replaced files and their directories stat-ed now they are in place.
  for (const e of results) {
    if (!e.stampAfterSwap || !e.record) continue;
    const parts = statTree(join(outDir, e.name), e.record.paths, e.stampAfterSwap);
    if (parts) e.record.stamp = stampOf(parts);
    else delete e.record;
  }
  // Rendering everything: the fleet's cluster groups too, and trees of environments that no longer exist are stale.
  const rendered = new Set(results.map((e) => e.name));
  let orphans: string[] = [];
  if (!values.env) {
    const { clusterFiles } = await import('../generators/clusters.js');
    const clusters = clusterFiles(results.map((e) => e.target!));
    if (mode === 'check') {
      const d = compareTree(outDir, LAYOUT.clusters, clusters);
      drift.changed.push(...d.changed), drift.missing.push(...d.missing), drift.extra.push(...d.extra);
    } else {
      const staged = stageTree(outDir, LAYOUT.clusters, clusters);
      if (staged) swap(LAYOUT.clusters, staged);
    }
    try {
      // Names starting with . (staging) or _ (the cluster groups) are not environments.
      orphans = readdirSync(outDir).filter((d) => !/^[._]/.test(d) && !rendered.has(d)).sort();
    } catch {
      // No output directory yet.
    }
  }
  // The patch directory, empty once every patch is in; staging of runs that died.
  if (mode === 'write') removePatchDir(outDir), removeLeftovers(outDir);
  if (mode === 'check') drift.extra.push(...orphans.map((d) => join(outDir, d) + '/'));
  else for (const d of orphans) rmSync(join(outDir, d), { recursive: true, force: true });
  // Many replaced trees (a tier change) are removed on worker threads: unlinks of distinct trees run in parallel.
  const remover = workerScript(new URL('./render/remove-worker.js', import.meta.url));
  const removers = remover ? workerCount(replaced.length, TREES_PER_REMOVER, requestedJobs) : 1;
  if (removers === 1) removeTrees(replaced);
  else await runWorkers<ReplacedTree[], void>(remover!, splitEvenly(replaced, removers));
  // Remembered: what this run rendered or checked and found matching; environments it did not
  // cover (--env) as they were; none of what no longer exists.
  const remembered = new Map(cache.entries);
  for (const e of results) {
    if (e.record) remembered.set(e.name, e.record);
    else remembered.delete(e.name);
  }
  for (const d of orphans) remembered.delete(d);
  cache.save(remembered);
  const outcome: RenderOutcome = { outDir, mode, environments: summary, drift, removed: mode === 'check' ? [] : orphans };
  io.out(FORMATTERS[format]!.render(outcome));
  return mode === 'check' && staleCount(outcome) > 0 ? EXIT.invalid : EXIT.ok;
}
