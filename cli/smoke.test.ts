// smartbot smoke: bad usage exits 2 with one line saying what to fix, before anything is sent.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../test/helpers/cli.js';
import { tempDir } from '../test/helpers/temp.js';

const tmp = tempDir('smartbot-smoke-usage-');
const tokenFile = join(tmp, 'token');
writeFileSync(tokenFile, 'sb_smoke_0123456789\n');
const empty = join(tmp, 'empty');
writeFileSync(empty, '\n');
const twoWords = join(tmp, 'two-words');
writeFileSync(twoWords, 'YOUR_TOKEN= sb_x\n');

// Port 9 (discard) is never contacted: each case fails before the first request.
const URL = 'http://127.0.0.1:9';
const usage = (reason: string) => `smartbot smoke: ${reason}\nRun \`smartbot smoke --help\` for usage.\n`;

describe('smartbot smoke usage errors (exit 2, one line)', () => {
  it.each([
    [['--token-file', tokenFile], '--url is required (e.g. --url http://127.0.0.1:18789)'],
    [['--url', 'localhost:18789', '--token-file', tokenFile], '--url must be http:// or https://, got localhost:'],
    [['--url', 'not a url', '--token-file', tokenFile], '--url "not a url" is not a URL'],
    [['--url', URL], 'needs a token: --token-file FILE (or --token T), an API key or JWT with the chat scope'],
    [['--url', URL, '--token', 'a', '--token-file', tokenFile], 'give --token or --token-file, not both'],
    [['--url', URL, '--token-file', join(tmp, 'missing')], `cannot read --token-file ${join(tmp, 'missing')}: no such file`],
    [['--url', URL, '--token-file', empty], `--token-file ${empty} is empty`],
    [['--url', URL, '--token-file', twoWords], `--token-file ${twoWords} holds more than one word; it must hold only the token`],
    [['--url', URL, '--token-file', tokenFile, '--duration', '30'], '--duration must be like 30s, 2m or 1500ms, at most 1h; got "30"'],
    [['--url', URL, '--token-file', tokenFile, '--duration', '2h'], '--duration must be like 30s, 2m or 1500ms, at most 1h; got "2h"'],
    [['--url', URL, '--token-file', tokenFile, '--concurrency', '0'], '--concurrency must be an integer from 1 to 1024, got "0"'],
    [['--url', URL, '--token-file', tokenFile, '--max-requests', '1.5'], '--max-requests must be an integer from 1 to 1000000, got "1.5"'],
    [['--url', URL, '--token-file', tokenFile, '--format', 'xml'], 'unknown --format "xml" (use text, json, github)'],
    [['--url', URL, '--token-file', tokenFile, '--env', '../prod'], '--env "../prod" is neither an environment name nor a smoke.json file'],
    [['--url', URL, '--token-file', tokenFile, '--env', 'nope'], '--env nope: found neither environments/nope.yaml nor rendered/nope/kubernetes/smoke-config.yaml (the rendered smoke config exists only where verify is enabled)'],
    [['--url', URL, '--token-file', tokenFile, '--verbose'], 'unknown option --verbose'],
  ])('%j', async (args, reason) => {
    expect(await runCli('smoke', ...args)).toEqual({ code: 2, out: '', err: usage(reason) });
  });

  it('--help lists every option and the exit codes', async () => {
    const r = await runCli('smoke', '--help');
    expect(r.code).toBe(0);
    for (const option of ['--url', '--token', '--token-file', '--env', '--metrics-url', '--logs', '--duration', '--concurrency', '--max-requests', '--format', '--root']) expect(r.out).toContain(`  ${option} `);
    expect(r.out).toContain('Exit codes: 0 pass, 1 fail, 2 usage error or the service unreachable.');
  });
});
