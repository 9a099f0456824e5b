// `smartbot pr-comment`: publishes a plan on its pull request. One sticky comment per pull
// request (found again by a hidden marker, updated, never duplicated even when two runs race),
// a commit status on the head sha with a one-line summary, and a review label while risks
// are flagged.
import { plural } from '../validation/format/format.js';
import { planMarkdown } from './format/markdown.js';
import { step, type FailureHints, type GitHub } from './github.js';
import { planExitCode, type Plan } from './types.js';

/** Starts every sticky comment; only comments by `author` that start with it count. */
export const MARKER = '<!-- smartbot-plan -->';
/** GitHub refuses comment bodies over 65,536 characters. */
export const COMMENT_LIMIT = 65_536;
export const STATUS_CONTEXT = 'smartbot/plan';
export const RISK_LABEL = 'smartbot:risk';
const HINTS: FailureHints = {
  forbidden: 'the token needs pull-requests: write, issues: write and statuses: write (in a workflow: its permissions block)',
  notFound: 'check --repo and --pr, and that the token can see the repository',
};

export interface PublishOptions {
  owner: string;
  repo: string;
  pr: number;
  plan: Plan;
  /** The head commit to mark; default: the pull request's head. */
  sha?: string;
  /** Where the full plan is (the workflow run holding the artifact): linked from status and cut notes. */
  detailsUrl?: string;
  /** Login that writes the sticky comment (default github-actions[bot], the Actions token's user). */
  author?: string;
  label?: string;
  baseUrl: string;
}

export interface PublishResult {
  sha: string;
  comment: { id: number; url: string; action: 'created' | 'updated' | 'unchanged' | 'kept newer'; characters: number; cut: boolean };
  status: { state: 'success' | 'failure'; description: string };
  label: { name: string; action: 'added' | 'removed' | 'none' };
}

interface CommentRow {
  id: number;
  body?: string | null;
  html_url: string;
  user?: { login: string } | null;
}

/**
 * The second hidden line: which plan head the comment describes, and which pull-request head
 * it was made for. Commit dates are not compared: anyone can write any date into a commit.
 */
const stampOf = (plan: Plan, prHead: string) => `<!-- smartbot-plan head=${plan.head.sha} pr-head=${prHead} -->`;
const prHeadIn = (body: string) => /<!-- smartbot-plan head=\S+ pr-head=([0-9a-f]+) -->/.exec(body)?.[1];

/** The comment body: markers, then the plan laid out to fit GitHub's limit (never cut blindly). */
export function commentBody(plan: Plan, prHead: string, detailsUrl?: string): { body: string; cut: boolean } {
  const head = `${MARKER}\n${stampOf(plan, prHead)}\n`;
  const fullPlan = detailsUrl ? `in the \`smartbot-plan\` artifact of [this workflow run](${detailsUrl})` : 'in the `smartbot-plan` artifact of the workflow run';
  const md = planMarkdown(plan, { limit: COMMENT_LIMIT - head.length, fullPlan });
  return { body: head + md, cut: md.includes("Shortened to fit GitHub's comment size limit") };
}

/** "2 blocking risks: tls-disabled, prune-deletes-pvc" — at most 140 characters, GitHub's limit. */
export function statusDescription(plan: Plan): string {
  const s = plan.summary;
  const ids = (blocking: boolean) => [...new Set(plan.risks.filter((r) => r.blocking === blocking).map((r) => r.id))].join(', ');
  let text: string;
  if (s.invalid) text = `head invalid in ${plural(s.invalid, 'environment')}${s.blocking ? `; ${plural(s.blocking, 'blocking risk')}: ${ids(true)}` : ''}`;
  else if (s.blocking) text = `${plural(s.blocking, 'blocking risk')}: ${ids(true)}`;
  else if (s.environments === 0) text = 'no environment changes';
  else text = `${plural(s.environments, 'environment')} changed${s.risks ? `; ${plural(s.risks, 'risk')} to review: ${ids(false)}` : ', no risks'}`;
  return text.length <= 140 ? text : `${text.slice(0, 139)}…`;
}

export async function publishPlan(gh: GitHub, o: PublishOptions): Promise<PublishResult> {
  const where = { owner: o.owner, repo: o.repo };
  const pr = `${o.owner}/${o.repo}#${o.pr}`;
  const run = <T>(doing: string, fn: () => Promise<T>) => step(doing, o.baseUrl, HINTS, fn);

  // The pull request's head now: what "newer" means for the sticky comment.
  const current = (await run(`reading pull request ${pr}`, () => gh.rest.pulls.get({ ...where, pull_number: o.pr }))).data.head.sha;
  const sha = o.sha ?? current;
  const { body, cut } = commentBody(o.plan, sha, o.detailsUrl);
  const comment = await upsertComment(gh, { ...where, issue_number: o.pr }, body, { author: o.author ?? 'github-actions[bot]', ours: sha, current }, run, pr);

  const state = planExitCode(o.plan) === 0 ? 'success' : 'failure';
  const description = statusDescription(o.plan);
  await run(`setting the commit status on ${sha.slice(0, 7)}`, () =>
    gh.rest.repos.createCommitStatus({ ...where, sha, state, context: STATUS_CONTEXT, description, ...(o.detailsUrl ? { target_url: o.detailsUrl } : {}) }),
  );

  const label = await reviewLabel(gh, { ...where, issue_number: o.pr }, o.label ?? RISK_LABEL, o.plan.risks.length > 0, run, pr);
  return { sha, comment: { ...comment, characters: body.length, cut }, status: { state, description }, label };
}

type Run = <T>(doing: string, fn: () => Promise<T>) => Promise<T>;
type Issue = { owner: string; repo: string; issue_number: number };

/**
 * Exactly one sticky comment. Races: two runs that both find none both create one, then list
 * again; the oldest sticky comment is kept, every run deletes the one it created if that is
 * not the oldest, and writes its body into the oldest unless that one describes the pull
 * request's current head and this run does not (a late run of an older push).
 */
async function upsertComment(
  gh: GitHub,
  issue: Issue,
  body: string,
  who: { author: string; ours: string; current: string },
  run: Run,
  pr: string,
): Promise<Omit<PublishResult['comment'], 'characters' | 'cut'>> {
  const author = who.author;
  const sticky = async () =>
    (await run(`listing the comments of ${pr}`, () => gh.paginate(gh.rest.issues.listComments, { ...issue, per_page: 30 })) as CommentRow[])
      .filter((c) => c.user?.login === author && (c.body ?? '').startsWith(MARKER))
      .sort((a, b) => a.id - b.id);
  let found = await sticky();
  let created: CommentRow | undefined;
  if (found.length === 0) {
    created = (await run(`creating the plan comment on ${pr}`, () => gh.rest.issues.createComment({ ...issue, body }))).data as CommentRow;
    found = await sticky();
    if (!found.some((c) => c.id === created!.id)) found.push(created), found.sort((a, b) => a.id - b.id);
  }
  const [keep, ...extra] = found as [CommentRow, ...CommentRow[]];
  for (const c of extra) {
    // Another run's duplicate may already be gone: 404 is fine.
    await run(`deleting a duplicate plan comment on ${pr}`, () => gh.rest.issues.deleteComment({ owner: issue.owner, repo: issue.repo, comment_id: c.id }).catch((e: { status?: number }) => (e.status === 404 ? undefined : Promise.reject(e))));
  }
  const result = (action: 'created' | 'updated' | 'unchanged' | 'kept newer') => ({ id: keep.id, url: keep.html_url, action });
  if (created?.id === keep.id) return result('created');
  if (keep.body === body) return result('unchanged');
  if (who.ours !== who.current && prHeadIn(keep.body ?? '') === who.current) return result('kept newer');
  await run(`updating the plan comment on ${pr}`, () => gh.rest.issues.updateComment({ owner: issue.owner, repo: issue.repo, comment_id: keep.id, body }));
  return result('updated');
}

/** The review label: on while the plan flags risks (created when the repository lacks it), off otherwise. */
async function reviewLabel(gh: GitHub, issue: Issue, name: string, wanted: boolean, run: Run, pr: string): Promise<PublishResult['label']> {
  const on = (await run(`reading the labels of ${pr}`, () => gh.rest.issues.listLabelsOnIssue({ ...issue, per_page: 100 }))).data.some((l) => l.name === name);
  if (wanted === on) return { name, action: 'none' };
  if (!wanted) {
    await run(`removing label ${name} from ${pr}`, () => gh.rest.issues.removeLabel({ ...issue, name }).catch((e: { status?: number }) => (e.status === 404 ? undefined : Promise.reject(e))));
    return { name, action: 'removed' };
  }
  const repo = { owner: issue.owner, repo: issue.repo };
  const exists = await run(`reading label ${name}`, () =>
    gh.rest.issues.getLabel({ ...repo, name }).then(
      () => true,
      (e: { status?: number }) => (e.status === 404 ? false : Promise.reject(e)),
    ),
  );
  if (!exists)
    await run(`creating label ${name}`, () =>
      gh.rest.issues
        .createLabel({ ...repo, name, color: 'd93f0b', description: 'smartbot plan flags risks: review before merging' })
        // Created meanwhile by a concurrent run: fine.
        .catch((e: { status?: number }) => (e.status === 422 ? undefined : Promise.reject(e))),
    );
  await run(`adding label ${name} to ${pr}`, () => gh.rest.issues.addLabels({ ...issue, labels: [name] }));
  return { name, action: 'added' };
}
