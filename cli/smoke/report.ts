// The smoke report for people (text), machines (json) and GitHub's annotation parser (github).
// Every stress figure that decides the verdict is shown against its threshold. What a server
// said (details, error kinds) is escaped in every formatter: no raw ESC, CR or BEL reaches a
// terminal or a CI log.
import { safeJson, visible } from '../../validation/format/safe-text.js';
import { formatLimit, formatPercent, formatSeconds, ran, type SmokeOutcome } from './outcome.js';

const MARK = { pass: '✔', fail: '✖', skip: '–' } as const;

/** Rows of label / value / threshold / mark, padded into columns. */
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => `  ${r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}`.trimEnd());
}

export function renderText(o: SmokeOutcome): string {
  const lines = [`smartbot smoke ${visible(o.url)}: environment ${visible(o.environment)} (thresholds from ${visible(o.thresholdsFrom)})`, '', 'functional'];
  lines.push(...table(o.functional.map((c) => [MARK[c.status], c.name, visible(c.status === 'skip' ? `skipped: ${c.detail}` : c.detail)])));
  lines.push('');
  const s = o.stress;
  if (!ran(s)) lines.push(`stress: skipped (${s.skipped})`);
  else {
    const { p99LatencySeconds: p99Limit, errorRatePercent: errorLimit } = o.thresholds;
    const within = (ok: boolean) => (ok ? MARK.pass : MARK.fail);
    lines.push(`stress: ${s.seconds.toFixed(1)} s, ${s.concurrency} concurrent streaming chats (max_tokens ${s.maxTokens}), stopped by ${s.stoppedBy === 'duration' ? 'the duration' : 'the request limit'}`);
    const rows = [
      ['requests', `${s.requests} (${s.requestsPerSecond.toFixed(1)}/s)`, '', ''],
      ['latency p50', s.latency ? formatSeconds(s.latency.p50) : '—', '', ''],
      ['latency p99', s.latency ? formatSeconds(s.latency.p99) : '—', `threshold ≤ ${formatLimit(p99Limit)}`, within(s.latency !== undefined && s.latency.p99 <= p99Limit)],
      ['error rate', `${formatPercent(s.errorRatePercent)} (${s.errors} errors)`, `threshold ≤ ${errorLimit} %`, within(s.errorRatePercent <= errorLimit)],
      ['429 share', `${formatPercent(s.rateLimitedPercent)} (${s.rateLimited}; queue full, not errors)`, '', ''],
      ['first token p50 / p99', s.firstToken ? `${formatSeconds(s.firstToken.p50)} / ${formatSeconds(s.firstToken.p99)}` : '—', '', ''],
      ['tokens/s', s.tokensPerSecond.toFixed(1), '', ''],
    ];
    lines.push(...table(rows));
    if (s.errorKinds.length) lines.push(`  errors by kind: ${visible(s.errorKinds.join(', '))}`);
  }
  lines.push('', verdictLine(o));
  return `${lines.join('\n')}\n`;
}

function verdictLine(o: SmokeOutcome): string {
  const skipped = o.functional.filter((c) => c.status === 'skip').length;
  const passed = o.functional.filter((c) => c.status === 'pass').length;
  const counts = `${passed} of ${o.functional.length} functional checks passed${skipped ? `, ${skipped} skipped` : ''}`;
  return `${o.verdict.pass ? '✔ PASS' : '✖ FAIL'}: ${visible([...o.verdict.reasons, counts].join('; '))}`;
}

export const renderJson = (o: SmokeOutcome): string => `${safeJson(o)}\n`;

const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

/** Each failure as a workflow ::error annotation (the verdict as ::notice when it passed), then the text report. */
export function renderGithub(o: SmokeOutcome): string {
  const title = 'title=smartbot smoke';
  const failures = o.functional.filter((c) => c.status === 'fail').map((c) => `::error ${title}::${escapeData(visible(`${c.name}: ${c.detail}`))}`);
  const verdict = o.verdict.pass ? `::notice ${title}::${escapeData(verdictLine(o))}` : `::error ${title}::${escapeData(verdictLine(o))}`;
  return `${[...failures, verdict].join('\n')}\n${renderText(o)}`;
}

export const FORMATS: Record<string, (o: SmokeOutcome) => string> = { text: renderText, json: renderJson, github: renderGithub };
