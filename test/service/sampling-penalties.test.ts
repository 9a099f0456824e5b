// OpenAI's sampling penalties on the in-process engine, through real llama.cpp: a table model
// whose greedy answer repeats one word ("la la la …") with a second word close behind it
// ("land"). With no penalty asked the answer repeats, as OpenAI and llama-server answer with
// theirs at 0 (node-llama-cpp's own repeat penalty is never applied: a 1.1 one would already
// turn it into "la land"); presence_penalty lowers a word once it has appeared, frequency_penalty
// by each time it has.
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODEL_FILE } from '../../gguf/demo-model.js';
import { sha256File } from '../../gguf/inspect.js';
import { buildVocabulary, tableLlamaModel } from '../../gguf/llama-model.js';
import type { ServiceConfig } from '../../service/src/config.js';
import type { RunningService } from '../../service/src/service.js';
import { startDemoService } from '../helpers/service.js';
import { tempDir } from '../helpers/temp.js';

/** "la" follows every token with logit 40; after "la", "land" comes second with 39.2; "land" ends the answer. */
function laLandModel(): Buffer {
  const vocab = buildVocabulary(['▁la', '▁land']);
  const [la, land] = [vocab.tokens.indexOf('▁la'), vocab.tokens.indexOf('▁land')];
  return tableLlamaModel({
    name: 'la-land',
    vocab,
    next: new Map([
      [la, la],
      [land, vocab.eos],
    ]),
    fallback: la,
    contextLength: 512,
    margin: 40,
    runnerUp: new Map([[la, { token: land, logit: 39.2 }]]),
  });
}

describe('sampling penalties on a local model', () => {
  let demo: RunningService;
  let key: string;
  beforeAll(async () => {
    const dir = tempDir('smartbot-penalties-');
    const file = join(dir, DEMO_MODEL_FILE);
    writeFileSync(file, laLandModel());
    const sha256 = await sha256File(file);
    const started = await startDemoService({
      changes: (c) => ({ ...c, model: { ...(c.model as Extract<ServiceConfig['model'], { source: 'local' }>), sha256, sizeBytes: statSync(file).size } }),
      start: { modelsDir: dir },
    });
    demo = started.service;
    key = started.key;
  }, 60_000);
  afterAll(async () => {
    await demo?.close();
  });

  const answer = async (penalties: { frequency_penalty?: number; presence_penalty?: number }) => {
    const r = await fetch(`${demo.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'sing' }], temperature: 0, max_tokens: 6, ...penalties }),
    });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { choices: { message: { content: string }; finish_reason: string }[] };
    return `${body.choices[0]!.message.content} (${body.choices[0]!.finish_reason})`;
  };

  it.each([
    ['none asked: no penalty', {}, 'la la la la la la (length)'],
    ['both 0: no penalty', { frequency_penalty: 0, presence_penalty: 0 }, 'la la la la la la (length)'],
    ['presence_penalty 2: "la" falls behind once it has appeared', { presence_penalty: 2 }, 'la land (stop)'],
    ['frequency_penalty 0.5: "la" falls behind once it has appeared twice', { frequency_penalty: 0.5 }, 'la la land (stop)'],
  ])('%s', async (_what, penalties, expected) => {
    expect(await answer(penalties)).toBe(expected);
  });
});
