// Docs are tests. Every shell block in README.md and docs/*.md is marked run or skip (why);
// the run blocks of each page run in order, in one temporary copy of the repository, as a
// user would type them in one terminal (shell variables carry from block to block, background
// processes are stopped when the page ends), with bounded time. Their exit codes and the output
// lines the page quotes are asserted. Relative links must point at files that exist.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { docBlocks, missingLines, SHELL_LANGUAGES, type DocBlock } from './helpers/doc-blocks.js';
import { repoRoot } from './helpers/env.js';
import { tempDir } from './helpers/temp.js';

const PAGES = ['README.md', ...readdirSync(join(repoRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const blocksOf = (page: string) => docBlocks(page, readFileSync(join(repoRoot, page), 'utf8'));
const where = (b: DocBlock) => `${b.file}:${b.line}`;

describe('doc blocks are marked', () => {
  it('every shell block says whether it runs, and every output block follows a run block', () => {
    const problems: string[] = [];
    for (const page of PAGES) {
      const blocks = blocksOf(page);
      blocks.forEach((b, i) => {
        if (b.marker?.kind === 'invalid') problems.push(`${where(b)}: ${b.marker.problem}`);
        else if (SHELL_LANGUAGES.has(b.lang) && b.marker?.kind !== 'run' && b.marker?.kind !== 'skip') problems.push(`${where(b)}: a ${b.lang} block without <!-- doc-test: run --> or <!-- doc-test: skip (why) --> above it`);
        else if (b.marker?.kind === 'output' && blocks[i - 1]?.marker?.kind !== 'run') problems.push(`${where(b)}: an output block must follow a run block`);
      });
    }
    expect(problems).toEqual([]);
  });
});

describe('links', () => {
  it('every relative link in README.md and docs/ points at a file that exists', () => {
    const broken: string[] = [];
    for (const page of PAGES) {
      const text = readFileSync(join(repoRoot, page), 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!.split('#')[0]!;
        if (target === '' || /^[a-z]+:/.test(target)) continue;
        if (!existsSync(join(repoRoot, dirname(page), target))) broken.push(`${page}: ${m[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

/** The working tree (tracked and untracked-but-not-ignored files) copied into a fresh git repository, with node_modules and dist linked. */
function repoCopy(): string {
  const root = join(tempDir('smartbot-docs-'), 'smartbot');
  const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8' }).stdout.split('\0').filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(repoRoot, f))) continue; // deleted, not yet committed
    mkdirSync(dirname(join(root, f)), { recursive: true });
    cpSync(join(repoRoot, f), join(root, f));
  }
  for (const linked of ['node_modules', 'dist']) symlinkSync(join(repoRoot, linked), join(root, linked));
  const git = (...args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.name=docs', '-c', 'user.email=docs@example.com', 'commit', '-qm', 'docs test');
  return root;
}

interface Ran {
  code: number | null;
  out: string;
}

/**
 * Runs a block in `cwd` as one terminal session would: the variables earlier blocks set are
 * there (all assignments are exported into `env.sh`); its process group is remembered so that
 * what it left in the background can be stopped.
 */
function runBlock(block: string, cwd: string, timeoutS: number, groups: number[]): Promise<Ran> {
  const state = join(cwd, '.doc-test-env.sh');
  if (!existsSync(state)) writeFileSync(state, '');
  const script = `set -a; . ${JSON.stringify(state)}\n${block}\n__rc=$?; export -p > ${JSON.stringify(state)}; exit $__rc\n`;
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true', FORCE_COLOR: '0' } });
    groups.push(child.pid!);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      out += `\n[doc-test: stopped after ${timeoutS} s]`;
      stopGroup(child.pid!);
    }, timeoutS * 1000);
    // 'exit', not 'close': a background process the block started keeps the pipes open.
    child.on('exit', (code) => {
      clearTimeout(timer);
      setTimeout(() => resolve({ code, out }), 50);
    });
  });
}

function stopGroup(pid: number, signal: NodeJS.Signals | 0 = 'SIGTERM'): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // the group is gone
  }
}

/** Stops what the page's blocks left running and waits until it is gone (a server frees its port), SIGKILL after 40 s. */
async function stopAll(groups: number[]): Promise<void> {
  for (const g of groups) stopGroup(g);
  for (let i = 0; i < 400 && groups.some((g) => stopGroup(g, 0)); i++) await new Promise((r) => setTimeout(r, 100));
  for (const g of groups) stopGroup(g, 'SIGKILL');
}

const runnablePages = PAGES.filter((p) => blocksOf(p).some((b) => b.marker?.kind === 'run'));

describe.each(runnablePages)('%s: its commands, as a user runs them', (page) => {
  it('runs each marked block with the exit code and the output the page shows', async () => {
    const blocks = blocksOf(page);
    const cwd = repoCopy();
    const groups: number[] = [];
    const failures: string[] = [];
    try {
      for (let i = 0; i < blocks.length; i++) {
        const b = blocks[i]!;
        if (b.marker?.kind !== 'run') continue;
        const ran = await runBlock(b.text, cwd, b.marker.timeoutS, groups);
        const shown = `\n--- what it printed ---\n${ran.out.slice(-4000)}`;
        if (ran.code === null || !b.marker.exit.includes(ran.code)) failures.push(`${where(b)}: exit ${ran.code}, the page expects ${b.marker.exit.join(' or ')}${shown}`);
        const next = blocks[i + 1];
        if (next?.marker?.kind === 'output') {
          const missing = missingLines(next.text, ran.out, next.marker.linesStartingWith);
          if (missing.length) failures.push(`${where(next)}: the page quotes lines it did not print:\n  ${missing.join('\n  ')}${shown}`);
        }
      }
    } finally {
      await stopAll(groups);
    }
    expect(failures).toEqual([]);
  }, 600_000);
});
