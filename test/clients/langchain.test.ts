// LangChain's ChatOpenAI (@langchain/openai 1.5.8, @langchain/core 1.4.0) against the service on
// the demo model, in-process: plain, stream with usage (LangChain asks for it by default), stop,
// structured output through json_schema, and bindTools with a forced call and its result.
import { HumanMessage, ToolMessage, type AIMessageChunk, type UsageMetadata } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoService } from '../helpers/service.js';
import { BEFORE_STOP, DEMO_REPLY, Forecast, PROMPT, STOP, WEATHER_TOOL, WeatherArgs, weatherResult } from './fixtures.js';

let demo: Awaited<ReturnType<typeof startDemoService>>;
let llm: ChatOpenAI;
beforeAll(async () => {
  demo = await startDemoService();
  llm = new ChatOpenAI({ model: 'demo', apiKey: demo.key, temperature: 0, maxRetries: 0, configuration: { baseURL: `${demo.service.url}/v1` } });
}, 60_000);
afterAll(() => demo?.service.close());

/** A message's token usage. (Under this project's compiler settings the message types infer `usage_metadata` as never.) */
const usageOf = (message: object) => (message as { usage_metadata?: UsageMetadata }).usage_metadata;

const getWeather = tool(async ({ city }) => JSON.stringify(weatherResult(city)), { ...WEATHER_TOOL, schema: WeatherArgs });

describe('LangChain ChatOpenAI', () => {
  it('plain: invoke() answers with the reply and token usage', async () => {
    const r = await llm.invoke(PROMPT);
    expect(r.content).toBe(DEMO_REPLY);
    const usage = usageOf(r);
    expect(usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number) });
    expect(usage!.output_tokens).toBeGreaterThan(10);
  });

  it('stream with usage: the chunks concatenate to the reply and carry usage_metadata', async () => {
    let whole: AIMessageChunk | undefined;
    for await (const chunk of await llm.stream(PROMPT)) whole = whole ? whole.concat(chunk) : chunk;
    expect(whole!.content).toBe(DEMO_REPLY);
    const usage = usageOf(whole!)!;
    expect(usage.output_tokens).toBeGreaterThan(10);
    expect(usage.total_tokens).toBe(usage.input_tokens + usage.output_tokens);
  });

  it('stop: the reply ends before the stop sequence', async () => {
    const r = await llm.invoke(PROMPT, { stop: [STOP] });
    expect(r.content).toBe(BEFORE_STOP);
  });

  it('json_schema: withStructuredOutput returns an object of the schema', async () => {
    const structured = llm.withStructuredOutput(Forecast, { name: 'forecast', method: 'jsonSchema' });
    const forecast = await structured.invoke(PROMPT);
    expect(Forecast.parse(forecast)).toEqual(forecast);
    expect(DEMO_REPLY.startsWith(forecast.city)).toBe(true);
  });

  it('tools: bindTools with a forced call gives tool_calls; the tool’s result gets the model’s answer', async () => {
    const forced = llm.bindTools([getWeather], { tool_choice: 'any' });
    const call = await forced.invoke([new HumanMessage(PROMPT)]);
    expect(call.tool_calls).toHaveLength(1);
    const [toolCall] = call.tool_calls!;
    expect(toolCall!.name).toBe(WEATHER_TOOL.name);
    expect(WeatherArgs.parse(toolCall!.args)).toEqual(toolCall!.args);

    const result: ToolMessage = await getWeather.invoke(toolCall!);
    const answer = await llm.bindTools([getWeather]).invoke([new HumanMessage(PROMPT), call, result]);
    expect(answer.content).toBe(DEMO_REPLY);
    expect(answer.tool_calls).toEqual([]);
  });
});
