// `keys checkpoint [--repo OWNER/NAME --sha SHA]`: the head of the verified history (seq and
// hash, signed with the workflow key when it is given) as the annotated tag smartbot-audit/<seq>.
// Without --repo it prints the tag's name and message; with it, the main workflow creates the
// tag on the merge commit through GitHub's Git Data API (no push credentials on the runner).
// An existing tag for that seq: nothing to do, exit 0.
import { loadSigningKey } from '../../contract/audit-log.js';
import { UserError } from '../../contract/run-main.js';
import { checkpointMessage, checkpointTag, latestCheckpoint, makeCheckpoint } from '../../keys/checkpoint.js';
import { provenance } from '../../keys/record.js';
import { verifyKeys } from '../../keys/verify.js';
import { describeGitHubError, step, type FailureHints } from '../../plan/github.js';
import { formatDiagnostic } from '../../validation/format/text.js';
import { boundedRequest, githubFromEnv, GITHUB_RUN_TIMEOUT_MS, parseRepo, requireToken, type GitHubClientOverrides } from '../github-env.js';
import { runDeadline, untilDeadline } from '../http.js';
import { EXIT, UsageError } from '../io.js';
import type { KeysRun } from './options.js';

const HINTS: FailureHints = {
  forbidden: 'the token needs contents: write (in a workflow: its permissions block)',
  notFound: 'check --repo and --sha, and that the token can see the repository',
};

export async function checkpoint(run: KeysRun, client: GitHubClientOverrides): Promise<number> {
  const { v, settings, io } = run;
  const r = await verifyKeys(settings);
  if (r.diagnostics.length) throw new UserError(`the key history does not verify, so no checkpoint is recorded — run \`npx smartbot keys verify\`:\n\n${r.diagnostics.slice(0, 3).map(formatDiagnostic).join('\n\n')}`);
  if (!r.last) return io.out('no audit entries: nothing to record\n'), EXIT.ok;
  const who = provenance(settings.root, v['sign-key'] ? { signKey: v['sign-key'] } : {});
  if (r.workflowKey && !who.signingKeyPem) throw new UsageError('the workflow key is committed, so checkpoints are signed: give its private half (--sign-key FILE or $SMARTBOT_AUDIT_SIGNING_KEY)');
  const c = makeCheckpoint(r.last, who.signingKeyPem ? loadSigningKey(who.signingKeyPem) : undefined);
  const tag = checkpointTag(c);
  if (latestCheckpoint(settings.root)?.checkpoint?.seq === c.seq) return io.out(`${tag} is already recorded\n`), EXIT.ok;
  const message = checkpointMessage(c);
  if (!v.repo) return io.out(`${tag}\n\n${message}`), EXIT.ok;

  const { owner, repo } = parseRepo(v.repo);
  const sha = v.sha;
  if (!sha || !/^[0-9a-f]{40}$/.test(sha)) throw new UsageError('--sha must be the full commit sha to tag (in a workflow: $GITHUB_SHA)');
  const { gh, baseUrl } = githubFromEnv(requireToken(), 'smartbot-keys', client);
  const deadline = runDeadline(GITHUB_RUN_TIMEOUT_MS);
  const where = { owner, repo, ...boundedRequest(deadline.signal) };
  try {
    const created = await untilDeadline(
      (async () => {
        const object = (await step(`creating the tag object ${tag}`, baseUrl, HINTS, () => gh.rest.git.createTag({ ...where, tag, message, object: sha, type: 'commit' }))).data.sha;
        try {
          await gh.rest.git.createRef({ ...where, ref: `refs/tags/${tag}`, sha: object });
          return true;
        } catch (e) {
          const err = e as { status?: number; response?: { data?: { message?: unknown } } };
          if (err.status === 422 && /already exists/i.test(String(err.response?.data?.message))) return false;
          throw describeGitHubError(e, `creating the tag ${tag}`, baseUrl, HINTS);
        }
      })(),
      deadline.signal,
    );
    io.out(created ? `recorded ${tag} on ${sha.slice(0, 7)} in ${owner}/${repo}: seq ${c.seq}, hash ${c.hash.slice(0, 12)}…${c.sig ? ', signed' : ''}\n` : `${tag} is already recorded in ${owner}/${repo}\n`);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw describeGitHubError(e, `recording ${tag}`, baseUrl, HINTS);
  } finally {
    deadline.clear();
  }
}
