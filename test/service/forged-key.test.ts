// The hostile round's forged key, at the API: a rewritten past line of the key history (a
// second "key" after "hash", with the keyring edited to match) makes an admin key the keyring
// accepts. Where the service runs beside its repository (`smartbot start`: the history is there),
// the API refuses it as the console does, naming the line; a key the history vouches for, and a
// JWT, still work.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryLine, seal } from '../../contract/audit-log.js';
import { mintApiKey } from '../../contract/keyring-file.js';
import type { RunningService } from '../../service/src/service.js';
import { freshKeys, startDemoService } from '../helpers/service.js';
import { tempDir } from '../helpers/temp.js';

const k = freshKeys();
const dir = tempDir('smartbot-forged-key-');
let demo: RunningService;
beforeAll(async () => {
  // The history as written: the admin key created with its real hash, not the keyring's.
  const real = mintApiKey('ci-admin', ['admin'], { id: k.admin.entry.id });
  const sealed = seal({ ts: '2026-12-01T10:00:00.000Z', env: 'dev', action: 'create', kind: 'api-key', keyId: real.entry.id, keyFingerprint: real.entry.sha256.slice(0, 12), actor: 'ops@example.com', reason: 'dashboard', ref: 'PR #1', key: { name: 'ci-admin', scopes: ['admin'], notBefore: real.entry.notBefore, sha256: real.entry.sha256 } }, undefined);
  const forged = `${entryLine(sealed).slice(0, -1)},"keyFingerprint":"${k.admin.entry.sha256.slice(0, 12)}","key":{"name":"ci-admin","notBefore":"${real.entry.notBefore}","scopes":["admin"],"sha256":"${k.admin.entry.sha256}"}}`;
  writeFileSync(join(dir, 'key-rotations.jsonl'), `${forged}\n`);
  ({ service: demo } = await startDemoService({ keys: k, start: { console: { audit: { log: join(dir, 'key-rotations.jsonl'), workflowKey: join(dir, 'workflow-key.pub') } } } }));
}, 60_000);
afterAll(() => demo?.close());

const status = (key: string) => fetch(`${demo.url}/api/v1/admin/status`, { headers: { authorization: `Bearer ${key}` } });

describe('a key only a rewritten line of the history holds', () => {
  it('is refused by the API with 401, naming the line, though the keyring accepts it', async () => {
    const r = await status(k.admin.key);
    expect(r.status).toBe(401);
    expect((await r.json()).error).toEqual({
      message: 'This API key appears in the key history only at line 1 of audit/key-rotations.jsonl, which does not verify: it was not recorded by smartbot keys. Run npx smartbot keys verify.',
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_api_key',
    });
  });

  it('leaves a key the history does not name to the keyring alone (the chat key answers as before)', async () => {
    const r = await fetch(`${demo.url}/v1/models`, { headers: { authorization: `Bearer ${k.chat.key}` } });
    expect(r.status).toBe(200);
  });
});
