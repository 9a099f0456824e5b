// The wire format both ways: what our streams look like byte for byte, and how an upstream's
// stream is read however its bytes are split.
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { chunk, completion, completionJson, readChunks, readCompletion, sseData, SSE_PING, SseWriter, StreamErrorEvent, ToolCallAssembler, WireFormatError, type AnswerId } from './openai-wire.js';

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
    expect(JSON.stringify(completion(answer, { content: 'Hi.' }, 'stop', usage))).toBe(
      '{"id":"chatcmpl-abc","object":"chat.completion","created":1764115200,"model":"demo","choices":[{"index":0,"message":{"role":"assistant","content":"Hi."},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}',
    );
    expect(JSON.stringify(chunk(answer, { content: 'Hi' }, null))).toBe(
      '{"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1764115200,"model":"demo","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}',
    );
  });

  it('completionJson is JSON.stringify(completion(…)) byte for byte, for every result object', () => {
    const call = { id: 'call_1', type: 'function' as const, function: { name: 'f', arguments: '{"a":"\\u00e9"}' } };
    const results = [
      { content: '你好!"quoted"\n\u2028 and \ud83d\ude00', finishReason: 'stop' as const, usage },
      { content: null, toolCalls: [call], finishReason: 'tool_calls' as const, usage },
      { content: '', toolCalls: [], finishReason: 'length' as const, usage },
    ];
    for (const r of results) {
      for (const a of [answer, { id: 'chatcmpl-xyz', created: 1764115201, model: 'a "model"/é' }]) expect(completionJson(a, r)).toBe(JSON.stringify(completion(a, r, r.finishReason, r.usage)));
    }
    // The memo is per result object: a copy with other text is serialised anew.
    expect(completionJson(answer, { ...results[0]!, content: 'other' })).toContain('"content":"other"');
  });

  it('a completion with tool calls has null content and the calls', () => {
    const call = { id: 'call_1', type: 'function' as const, function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
    expect(completion(answer, { content: null, toolCalls: [call] }, 'tool_calls', usage).choices).toEqual([{ index: 0, message: { role: 'assistant', content: null, tool_calls: [call] }, finish_reason: 'tool_calls' }]);
    expect(readCompletion(completion(answer, { content: null, toolCalls: [call] }, 'tool_calls', usage))).toEqual({ content: null, toolCalls: [call], finishReason: 'tool_calls', usage });
  });

  it('readCompletion takes the content, finish reason and usage, and names what is missing', () => {
    expect(readCompletion(completion(answer, { content: 'Hi.' }, 'length', usage))).toEqual({ content: 'Hi.', finishReason: 'length', usage });
    expect(readCompletion({ choices: [{ message: { content: '' }, finish_reason: 'eos' }] })).toEqual({ content: '', finishReason: 'stop' });
    for (const bad of [null, {}, { choices: [] }, { choices: [{ message: {} }] }, { choices: [{ message: { content: null } }] }]) expect(() => readCompletion(bad)).toThrow(new WireFormatError('answered without choices[0].message.content'));
  });
});

describe('SseWriter', () => {
  it('writes a role chunk, the deltas, a finish chunk and [DONE]', async () => {
    const w = new SseWriter(answer);
    w.delta('Hel');
    w.delta('lo');
    w.finish('length', usage);
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

  it('with include_usage: usage null on every chunk, then a usage chunk without choices before [DONE]', async () => {
    const w = new SseWriter(answer, { includeUsage: true });
    w.delta('Hi');
    w.finish('stop', usage);
    const events = (await text(w.stream)).split('\n\n');
    expect(events.slice(0, 3).map((e) => JSON.parse(e.slice(6)).usage)).toEqual([null, null, null]);
    expect(events.slice(3)).toEqual([`data: {"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1764115200,"model":"demo","choices":[],"usage":${JSON.stringify(usage)}}`, 'data: [DONE]', '']);
  });

  it("encodes a delta byte for byte as chunk() does, with or without usage, whatever the content's characters", async () => {
    const content = 'quote " backslash \\ newline \n tab \t émoji 🙂 nul \u0000 "content":""';
    for (const includeUsage of [false, true]) {
      const w = new SseWriter({ ...answer, model: 'a "quoted" model' }, { includeUsage });
      w.delta(content);
      w.finish('stop', usage);
      expect((await text(w.stream)).split('\n\n')[1]).toBe(`data: ${JSON.stringify(chunk({ ...answer, model: 'a "quoted" model' }, { content }, null, includeUsage ? null : undefined))}`);
    }
  });

  it('sends the events written in one turn as one write, in order', async () => {
    const w = new SseWriter(answer);
    const writes: string[] = [];
    w.stream.on('data', (b: Buffer) => writes.push(b.toString()));
    w.delta('a');
    w.delta('b');
    await new Promise((r) => setImmediate(r));
    w.delta('c');
    w.finish('stop', usage);
    await new Promise((r) => w.stream.once('end', r));
    expect(writes.map((x) => x.split('\n\n').length - 1)).toEqual([3, 3]); // role, a, b; then c, the finish chunk and [DONE] with the end
    expect(writes.join('').split('\n\n').slice(1, 4).map((e) => JSON.parse(e.slice(6)).choices[0].delta.content)).toEqual(['a', 'b', 'c']);
  });

  it('sends tool calls whole, each with its index, id and arguments', async () => {
    const w = new SseWriter(answer);
    w.toolCalls([{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }]);
    w.finish('tool_calls', usage);
    const events = (await text(w.stream)).split('\n\n');
    expect(JSON.parse(events[1]!.slice(6)).choices[0].delta).toEqual({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] });
    expect(JSON.parse(events[2]!.slice(6)).choices[0].finish_reason).toBe('tool_calls');
  });

  it('pings while nothing else is written, and stops pinging when it ends', async () => {
    const w = new SseWriter(answer, { heartbeatMs: 40 });
    await new Promise((r) => setTimeout(r, 150));
    w.delta('late');
    w.finish('stop', usage);
    const body = await text(w.stream);
    expect(body.split(SSE_PING).length - 1).toBeGreaterThanOrEqual(2);
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
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
    w.finish('stop', usage);
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

describe('ToolCallAssembler', () => {
  it("joins OpenAI's streamed pieces by index: id and name first, arguments in parts", () => {
    const a = new ToolCallAssembler();
    a.add([{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }]);
    a.add([{ index: 0, function: { arguments: '{"city":' } }]);
    a.add([{ index: 1, id: 'call_b', function: { name: 'get_time', arguments: '{}' } }, { index: 0, function: { arguments: '"Paris"}' } }]);
    expect(a.result).toEqual([
      { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{}' } },
    ]);
    expect(new ToolCallAssembler().result).toBeUndefined();
    const nameless = new ToolCallAssembler();
    nameless.add([{ index: 0, function: { arguments: '{}' } }]);
    expect(() => nameless.result).toThrow(new WireFormatError('streamed a tool call without an id or a name'));
  });
});
