// The Git Data and pull-request operations for the GitHub contract server (github-api.ts), added
// with gh.handle: blobs, trees, commits, refs and pull requests of one repository, kept in
// memory. Blob ids are git's own (sha1 of "blob <size>\0<content>"), so a tree built through
// the API compares directly with `git ls-files -s` of a local repository; trees are flat
// path → blob maps (their ids are hashes of that map, not git's).
//
//   const git = gitDataApi(gh, 'octo/smartbot', { main: { sha, files } });
//   git.refs.get('heads/main'), git.filesAt(sha), git.pulls, git.commits
import { createHash } from 'node:crypto';
import type { GitHubApi } from './github-api.js';

export interface GitCommit {
  sha: string;
  message: string;
  tree: string;
  parents: string[];
}

export interface PullRequest {
  number: number;
  title: string;
  head: string;
  base: string;
  body: string;
}

export interface GitData {
  blobs: Map<string, Buffer>;
  /** tree id → path → blob id */
  trees: Map<string, Map<string, string>>;
  commits: Map<string, GitCommit>;
  /** "heads/main" → commit id; "tags/x" → tag object id */
  refs: Map<string, string>;
  /** Annotated tag objects by id. */
  tags: Map<string, { tag: string; message: string; object: string }>;
  pulls: PullRequest[];
  /** The files of a commit: path → content. */
  filesAt(commit: string): Map<string, string>;
}

const sha1 = (data: string | Buffer) => createHash('sha1').update(data).digest('hex');
export const gitBlobId = (content: Buffer) => sha1(Buffer.concat([Buffer.from(`blob ${content.length}\0`), content]));
const treeId = (files: Map<string, string>) => sha1(JSON.stringify([...files].sort()));

/** `branches`: name → its head commit id and that commit's files (path → blob id); contents of those blobs are not needed. */
export function gitDataApi(gh: GitHubApi, repo: string, branches: Record<string, { sha: string; files: Map<string, string> }>): GitData {
  gh.addRepo(repo);
  const data: GitData = {
    blobs: new Map(),
    trees: new Map(),
    commits: new Map(),
    refs: new Map(),
    tags: new Map(),
    pulls: [],
    filesAt(commit) {
      const files = data.trees.get(data.commits.get(commit)!.tree)!;
      return new Map([...files].map(([path, blob]) => [path, data.blobs.get(blob)?.toString('utf8') ?? `(blob ${blob} of the base)`]));
    },
  };
  for (const [name, b] of Object.entries(branches)) {
    const tree = treeId(b.files);
    data.trees.set(tree, b.files);
    data.commits.set(b.sha, { sha: b.sha, message: name, tree, parents: [] });
    data.refs.set(`heads/${name}`, b.sha);
  }
  const api = `https://api.github.com/repos/${repo}`;
  const notFound = { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
  const invalid = (message: string) => ({ status: 422, body: { message, documentation_url: 'https://docs.github.com/rest' } });
  const refJson = (ref: string, sha: string) => ({ ref: `refs/${ref}`, node_id: `REF_${ref}`, url: `${api}/git/refs/${ref}`, object: { type: 'commit', sha, url: `${api}/git/commits/${sha}` } });
  const commitJson = (c: GitCommit) => ({
    sha: c.sha,
    node_id: `C_${c.sha}`,
    url: `${api}/git/commits/${c.sha}`,
    html_url: `https://github.com/${repo}/commit/${c.sha}`,
    message: c.message,
    tree: { sha: c.tree, url: `${api}/git/trees/${c.tree}` },
    parents: c.parents.map((p) => ({ sha: p, url: `${api}/git/commits/${p}`, html_url: `https://github.com/${repo}/commit/${p}` })),
  });

  gh.handle('git/get-ref', (r) => {
    const sha = data.refs.get(r.params.ref!);
    return sha ? gh.respond('git/get-ref', 200, refJson(r.params.ref!, sha)) : notFound;
  });
  gh.handle('git/get-commit', (r) => {
    const c = data.commits.get(r.params.commit_sha!);
    return c ? gh.respond('git/get-commit', 200, commitJson(c)) : notFound;
  });
  gh.handle('git/create-blob', (r) => {
    const b = r.body as { content: string; encoding?: string };
    const content = Buffer.from(b.content, b.encoding === 'base64' ? 'base64' : 'utf8');
    const sha = gitBlobId(content);
    data.blobs.set(sha, content);
    return gh.respond('git/create-blob', 201, { sha, url: `${api}/git/blobs/${sha}` });
  });
  gh.handle('git/create-tree', (r) => {
    const b = r.body as { base_tree?: string; tree: { path: string; sha?: string | null; content?: string }[] };
    const base = b.base_tree ? data.trees.get(b.base_tree) : new Map<string, string>();
    if (!base) return invalid('base_tree is not a valid tree oid');
    const files = new Map(base);
    for (const e of b.tree) {
      if (e.sha === null) files.delete(e.path);
      else if (e.sha) {
        if (!data.blobs.has(e.sha) && ![...base.values()].includes(e.sha)) return invalid(`tree.sha ${e.sha} is not a valid blob`);
        files.set(e.path, e.sha);
      } else files.set(e.path, gitBlobId(Buffer.from(e.content ?? '')));
    }
    const sha = treeId(files);
    data.trees.set(sha, files);
    return gh.respond('git/create-tree', 201, { sha, url: `${api}/git/trees/${sha}`, truncated: false, tree: [] });
  });
  gh.handle('git/create-commit', (r) => {
    const b = r.body as { message: string; tree: string; parents?: string[] };
    if (!data.trees.has(b.tree)) return invalid('Tree SHA does not exist');
    if ((b.parents ?? []).some((p) => !data.commits.has(p))) return invalid('Parent SHA does not exist or is not a commit object');
    const c: GitCommit = { sha: sha1(JSON.stringify(b)), message: b.message, tree: b.tree, parents: b.parents ?? [] };
    data.commits.set(c.sha, c);
    return gh.respond('git/create-commit', 201, commitJson(c));
  });
  gh.handle('git/create-ref', (r) => {
    const b = r.body as { ref: string; sha: string };
    const ref = b.ref.replace(/^refs\//, '');
    if (data.refs.has(ref)) return invalid('Reference already exists');
    if (!data.commits.has(b.sha) && !data.tags.has(b.sha)) return invalid('Object does not exist');
    data.refs.set(ref, b.sha);
    return gh.respond('git/create-ref', 201, refJson(ref, b.sha));
  });
  gh.handle('git/create-tag', (r) => {
    const b = r.body as { tag: string; message: string; object: string; type: string };
    if (!data.commits.has(b.object)) return invalid('Object does not exist');
    const sha = sha1(JSON.stringify(b));
    data.tags.set(sha, { tag: b.tag, message: b.message, object: b.object });
    return gh.respond('git/create-tag', 201, {
      node_id: `TAG_${sha}`,
      tag: b.tag,
      sha,
      url: `${api}/git/tags/${sha}`,
      message: b.message,
      tagger: { date: '2026-12-01T00:00:00Z', email: 'actions@github.com', name: 'github-actions' },
      object: { type: 'commit', sha: b.object, url: `${api}/git/commits/${b.object}` },
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
    });
  });
  gh.handle('pulls/create', (r) => {
    const b = r.body as { title: string; head: string; base: string; body?: string };
    if (!data.refs.has(`heads/${b.head}`) || !data.refs.has(`heads/${b.base}`)) return invalid('Validation Failed');
    const pr: PullRequest = { number: data.pulls.length + 1, title: b.title, head: b.head, base: b.base, body: b.body ?? '' };
    data.pulls.push(pr);
    return gh.respond('pulls/create', 201, {
      number: pr.number,
      title: pr.title,
      body: pr.body,
      state: 'open',
      html_url: `https://github.com/${repo}/pull/${pr.number}`,
      head: { ref: pr.head, sha: data.refs.get(`heads/${pr.head}`) },
      base: { ref: pr.base, sha: data.refs.get(`heads/${pr.base}`) },
    });
  });
  return data;
}
