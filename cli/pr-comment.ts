// `smartbot pr-comment --repo OWNER/NAME --pr N [--plan FILE] [--sha SHA]`
import { parseArgs } from 'node:util';
import { DEFAULT_LIMITS } from '../plan/github.js';
import { publishPlan, RISK_LABEL, STATUS_CONTEXT } from '../plan/publish.js';
import { githubFromEnv, parseRepo, requireToken, type GitHubClientOverrides } from './github-env.js';
import { EXIT, UsageError, type CliIO } from './io.js';
import { readPlan } from './plan.js';

export const prCommentHelp = `Usage: smartbot pr-comment --repo OWNER/NAME --pr N [--plan FILE] [--sha SHA]

Publishes a plan (the output of \`smartbot plan --format json\`) on its pull request:
- one sticky comment, found again by a hidden marker and edited in place (never duplicated),
  laid out to fit GitHub's 65,536-character limit group by group (full diffs, then per-object,
  then per-field summaries, then names and counts), its footer linking the whole plan;
- a commit status "${STATUS_CONTEXT}" on the head commit: success, or failure when the plan
  blocks (invalid head or a blocking risk), with a one-line summary;
- the label "${RISK_LABEL}" while the plan flags risks (created when missing), removed after.

Options:
  --repo OWNER/NAME   the repository
  --pr N              the pull request number
  --plan FILE         the plan JSON (default: standard input)
  --sha SHA           the commit to set the status on (default: the pull request's head)
  --details-url URL   where the full plan is (default in Actions: this workflow run)
  --author LOGIN      who writes the sticky comment (default github-actions[bot])
  --label NAME        the review label (default ${RISK_LABEL})
  --deadline SECONDS  the whole run's deadline (default ${DEFAULT_LIMITS.runMs / 1000}); each request has
                      ${DEFAULT_LIMITS.requestMs / 1000} s and may answer at most ${DEFAULT_LIMITS.responseBytes / 2 ** 20} MiB

Environment: GITHUB_TOKEN (required; never printed), GITHUB_API_URL (default
https://api.github.com).
Exit codes: 0 published, 2 usage error or a GitHub API failure (one line saying which).
`;

/** Tests pass shorter retry waits and un-spaced writes. */
export type PrCommentClientOptions = GitHubClientOverrides;

export async function prCommentCommand(argv: string[], io: CliIO, client: PrCommentClientOptions = {}): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      repo: { type: 'string' },
      pr: { type: 'string' },
      plan: { type: 'string' },
      sha: { type: 'string' },
      'details-url': { type: 'string' },
      author: { type: 'string' },
      label: { type: 'string' },
      deadline: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return io.out(prCommentHelp), EXIT.ok;
  const { owner, repo } = parseRepo(values.repo);
  if (!/^[1-9]\d*$/.test(values.pr ?? '')) throw new UsageError(`--pr must be a pull request number${values.pr === undefined ? '' : `, got "${values.pr}"`}`);
  if (values.sha !== undefined && !/^[0-9a-f]{40}$/.test(values.sha)) throw new UsageError(`--sha must be a full 40-character commit id, got "${values.sha}"`);
  if (values.deadline !== undefined && !/^[1-9]\d*$/.test(values.deadline)) throw new UsageError(`--deadline must be a number of seconds above 0, got "${values.deadline}"`);
  const token = requireToken();
  const plan = readPlan(values.plan);

  const limits = { ...client.limits, ...(values.deadline ? { runMs: Number(values.deadline) * 1000 } : {}) };
  const { gh, baseUrl } = githubFromEnv(token, 'smartbot-pr-comment', { ...client, limits });
  const env = process.env;
  const runUrl = env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
  const detailsUrl = values['details-url'] ?? runUrl;
  const r = await publishPlan(gh, {
    owner,
    repo,
    pr: Number(values.pr),
    plan,
    baseUrl,
    ...(values.sha ? { sha: values.sha } : {}),
    ...(detailsUrl ? { detailsUrl } : {}),
    ...(values.author ? { author: values.author } : {}),
    ...(values.label ? { label: values.label } : {}),
  });
  io.out(
    `comment ${r.comment.action}: ${r.comment.url} (${r.comment.characters.toLocaleString('en-US')} characters${r.comment.cut ? ', cut to fit' : ''})\n` +
      `status ${r.status.state} on ${r.sha.slice(0, 7)} (${STATUS_CONTEXT}): ${r.status.description}\n` +
      `label ${r.label.name}: ${r.label.action === 'none' ? 'unchanged' : r.label.action}\n`,
  );
  return EXIT.ok;
}
