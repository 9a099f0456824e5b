// Throwaway git repositories for plan tests and benchmarks: start from the project's own
// environments/ and keyrings/ (or given files), then commit edits. Author, committer and dates
// are fixed, so the same edits always make the same commit ids.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from './env.js';

export interface FixtureRepo {
  dir: string;
  /** Writes (string) or deletes (null) files, commits them all, returns the new commit id. */
  commit(changes: Record<string, string | null>, message?: string): string;
  /** A file's current text in the work tree. */
  read(path: string): string;
  git(...args: string[]): string;
  remove(): void;
}

export function fixtureRepo(opts: { files?: Record<string, string>; parent?: string } = {}): FixtureRepo {
  const dir = mkdtempSync(join(opts.parent ?? tmpdir(), 'smartbot-plan-repo-'));
  let tick = 0;
  const git = (...args: string[]) => {
    const date = `2026-01-01T00:${String(Math.floor(tick / 60)).padStart(2, '0')}:${String(tick % 60).padStart(2, '0')}Z`;
    return execFileSync('git', ['-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', '-c', 'core.autocrlf=false', ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_NAME: 'smartbot test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'smartbot test', GIT_COMMITTER_EMAIL: 'test@example.com', GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
    });
  };
  const repo: FixtureRepo = {
    dir,
    git,
    read: (path) => readFileSync(join(dir, path), 'utf8'),
    commit(changes, message = 'change') {
      for (const [path, text] of Object.entries(changes)) {
        if (text === null) rmSync(join(dir, path), { force: true });
        else mkdirSync(dirname(join(dir, path)), { recursive: true }), writeFileSync(join(dir, path), text);
      }
      tick++;
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD').trim();
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  git('init', '-q');
  if (opts.files) repo.commit(opts.files, 'base');
  else {
    for (const d of ['environments', 'keyrings']) cpSync(join(repoRoot, d), join(dir, d), { recursive: true });
    repo.commit({}, 'base');
  }
  return repo;
}
