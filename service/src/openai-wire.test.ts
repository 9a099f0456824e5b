// The wire format both ways: what our streams look like byte for byte, and how an upstream's
// stream is read however its bytes are split.
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { chunk, completion, readChunks, readCompletion, sseData, SseWriter, StreamErrorEvent, WireFormatError, type AnswerId } from './openai-wire.js';

const answer: AnswerId = { id: 'chatcmpl-abc', created: 1764115200, model: 'demo' };
const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };

/** A body delivered in the given pieces (as a socket might split it). */
async function* body(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield new TextEncoder().encode(p);
}
const collect = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe('completion and chunk', () => {
  it("serialise in OpenAI's field order", () => {
    expect(JSON.stringify(completion(answer, 'Hi.', 'stop', usage))).toBe(
      '{"id":"chatcmpl-abc","object":"chat.completion","created":1764115200,"model":"demo","choices":[{"index":0,"message":{"role":"assistant","content":"Hi."},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}',
    );
    expect(JSON.stringify(chunk(answer, { content: 'Hi' }, null))).toBe(
      '{"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1764115200,"model":"demo","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}',
    );
  });

  it('readCompletion takes the content, finish reason and usage, and names what is missing', () => {
    expect(readCompletion(completion(answer, 'Hi.', 'length', usage))).toEqual({ content: 'Hi.', finishReason: 'length', usage });
    expect(readCompletion({ choices: [{ message: { content: '' }, finish_reason: 'eos' }] })).toEqual({ content: '', finishReason: 'stop' });
    for (const bad of [null, {}, { choices: [] }, { choices: [{ message: {} }] }]) expect(() => readCompletion(bad)).toThrow(new WireFormatError('answered without choices[0].message.content'));
  });
});

describe('SseWriter', () => {
  it('writes a role chunk, the deltas, a finish chunk and [DONE]', async () => {
    const w = new SseWriter(answer);
    w.delta('Hel');
    w.delta('lo');
    w.finish('length');
    const events = (await text(w.stream)).split('\n\n');
    expect(events).toEqual([
      `data: ${JSON.stringify(chunk(answer, { role: 'assistant', content: '' }, null))}`,
      `data: ${JSON.stringify(chunk(answer, { content: 'Hel' }, null))}`,
      `data: ${JSON.stringify(chunk(answer, { content: 'lo' }, null))}`,
      `data: ${JSON.stringify(chunk(answer, {}, 'length'))}`,
      'data: [DONE]',
      '',
    ]);
  });

  it('ends a failed stream with the error event and [DONE]', async () => {
    const w = new SseWriter(answer);
    w.fail({ error: { message: 'Internal server error.', type: 'server_error', param: null, code: 'internal_error' } });
    expect((await text(w.stream)).split('\n\n').slice(1)).toEqual(['data: {"error":{"message":"Internal server error.","type":"server_error","param":null,"code":"internal_error"}}', 'data: [DONE]', '']);
  });
});

describe('SSE parser', () => {
  it('reads back what the writer wrote, however the bytes are split', async () => {
    const w = new SseWriter(answer);
    w.delta('你好');
    w.delta(', world');
    w.finish('stop');
    const bytes = Buffer.from(await text(w.stream));
    const expected = [{}, { delta: '你好' }, { delta: ', world' }, { finishReason: 'stop' }];
    for (const size of [1, 2, 7, bytes.length]) {
      const pieces = async function* () {
        for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
      };
      expect(await collect(readChunks(pieces()))).toEqual(expected);
    }
  });

  it('joins multi-line data, skips comments and other fields, accepts CRLF, stops at [DONE], drops an unfinished event', async () => {
    expect(await collect(sseData(body(': keep-alive\r\n\r\nevent: message\r\nid: 1\r\ndata: a\r\ndata:b\r\n\r\n', 'data: c\n\ndata: [DONE]\n\ndata: after\n\n')))).toEqual(['a\nb', 'c']);
    expect(await collect(sseData(body('data: x\n\ndata: unfinished')))).toEqual(['x']);
  });

  it('carries usage, and throws on a malformed chunk or an error event', async () => {
    expect(await collect(readChunks(body(`data: ${JSON.stringify({ choices: [], usage })}\n\n`)))).toEqual([{ usage }]);
    await expect(collect(readChunks(body('data: {"choices": [\n\n')))).rejects.toThrow(new WireFormatError('sent a malformed stream chunk'));
    await expect(collect(readChunks(body('data: {"choices":[{"delta":{"content":"a"}}]}\n\ndata: {"error":{"message":"out of memory"}}\n\n')))).rejects.toThrow(new StreamErrorEvent('out of memory'));
  });
});
