// The official openai SDK (6.49, the pinned version) against the service on the demo model,
// in-process: plain, stream with usage, stop, json_schema and tools, each through the SDK's own
// helpers and types.
import OpenAI from 'openai';
import { zodFunction, zodResponseFormat } from 'openai/helpers/zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoService } from '../helpers/service.js';
import { BEFORE_STOP, DEMO_REPLY, Forecast, PROMPT, STOP, WEATHER_TOOL, WeatherArgs, weatherResult } from './fixtures.js';

let demo: Awaited<ReturnType<typeof startDemoService>>;
let client: OpenAI;
beforeAll(async () => {
  demo = await startDemoService();
  client = new OpenAI({ baseURL: `${demo.service.url}/v1`, apiKey: demo.key, maxRetries: 0 });
}, 60_000);
afterAll(() => demo?.service.close());

const user = [{ role: 'user' as const, content: PROMPT }];

describe('openai SDK', () => {
  it('plain: the reply, finish_reason stop and usage', async () => {
    const r = await client.chat.completions.create({ model: 'demo', messages: user, temperature: 0 });
    expect(r.choices[0]!.message.content).toBe(DEMO_REPLY);
    expect(r.choices[0]!.finish_reason).toBe('stop');
    expect(r.usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
    expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);
  });

  it('stream with usage: deltas make the reply, then a chunk without choices carries the usage', async () => {
    const stream = await client.chat.completions.create({ model: 'demo', messages: user, temperature: 0, stream: true, stream_options: { include_usage: true } });
    let text = '';
    const last: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      last.push(chunk);
    }
    expect(text).toBe(DEMO_REPLY);
    const usageChunk = last.at(-1)!;
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage!.completion_tokens).toBeGreaterThan(10);
    expect(last.at(-2)!.choices[0]!.finish_reason).toBe('stop');
  });

  it('stop: the reply ends before the stop sequence', async () => {
    const r = await client.chat.completions.create({ model: 'demo', messages: user, temperature: 0, stop: [STOP] });
    expect(r.choices[0]!.message.content).toBe(BEFORE_STOP);
    expect(r.choices[0]!.finish_reason).toBe('stop');
  });

  it('json_schema: parse() returns an object of the schema', async () => {
    const r = await client.chat.completions.parse({ model: 'demo', messages: user, temperature: 0, response_format: zodResponseFormat(Forecast, 'forecast') });
    const parsed = r.choices[0]!.message.parsed!;
    expect(Forecast.parse(parsed)).toEqual(parsed);
    expect(DEMO_REPLY.startsWith(parsed.city)).toBe(true);
  });

  it('tools: a forced call parses as the tool’s arguments, and its result gets the model’s answer', async () => {
    const tools = [zodFunction({ ...WEATHER_TOOL, parameters: WeatherArgs })];
    const first = await client.chat.completions.parse({ model: 'demo', messages: user, temperature: 0, tools, tool_choice: 'required' });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const call = choice.message.tool_calls![0]!;
    if (call.type !== 'function') throw new Error(`expected a function call, got ${call.type}`);
    expect(call.function.name).toBe(WEATHER_TOOL.name);
    expect(call.id).toMatch(/^call_/);
    const args = WeatherArgs.parse(call.function.parsed_arguments);

    const second = await client.chat.completions.create({
      model: 'demo',
      temperature: 0,
      tools,
      messages: [...user, choice.message, { role: 'tool', tool_call_id: call.id, content: JSON.stringify(weatherResult(args.city)) }],
    });
    expect(second.choices[0]!.message.content).toBe(DEMO_REPLY);
  });
});
