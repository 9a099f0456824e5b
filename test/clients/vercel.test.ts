// The Vercel AI SDK (ai 6.0.325 with @ai-sdk/openai-compatible 2.0.92) against the service on
// the demo model, in-process: generateText, streamText with usage, stopSequences, a structured
// Output through json_schema, and a tool loop (a forced call, the tool runs, the model answers).
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, Output, stepCountIs, streamText, tool, type LanguageModel } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoService } from '../helpers/service.js';
import { BEFORE_STOP, DEMO_REPLY, Forecast, PROMPT, STOP, WEATHER_TOOL, WeatherArgs, weatherResult } from './fixtures.js';

let demo: Awaited<ReturnType<typeof startDemoService>>;
let model: LanguageModel;
beforeAll(async () => {
  demo = await startDemoService();
  const provider = createOpenAICompatible({ name: 'smartbot', baseURL: `${demo.service.url}/v1`, apiKey: demo.key, includeUsage: true, supportsStructuredOutputs: true });
  model = provider.chatModel('demo');
}, 60_000);
afterAll(() => demo?.service.close());

describe('Vercel AI SDK (openai-compatible provider)', () => {
  it('plain: generateText returns the reply and usage', async () => {
    const r = await generateText({ model, prompt: PROMPT, temperature: 0, maxRetries: 0 });
    expect(r.text).toBe(DEMO_REPLY);
    expect(r.finishReason).toBe('stop');
    expect(r.usage.outputTokens).toBeGreaterThan(10);
  });

  it('stream with usage: streamText’s text is the reply and its usage is counted', async () => {
    const r = streamText({ model, prompt: PROMPT, temperature: 0, maxRetries: 0 });
    const parts: string[] = [];
    for await (const part of r.textStream) parts.push(part);
    expect(parts.join('')).toBe(DEMO_REPLY);
    expect(parts.length).toBeGreaterThan(10);
    const usage = await r.usage;
    expect(usage.outputTokens).toBeGreaterThan(10);
    expect(usage.totalTokens).toBe(usage.inputTokens! + usage.outputTokens!);
  });

  it('stop: stopSequences ends the reply before it', async () => {
    const r = await generateText({ model, prompt: PROMPT, temperature: 0, stopSequences: [STOP], maxRetries: 0 });
    expect(r.text).toBe(BEFORE_STOP);
  });

  it('json_schema: Output.object returns an object of the schema', async () => {
    const r = await generateText({ model, prompt: PROMPT, temperature: 0, output: Output.object({ schema: Forecast }), maxRetries: 0 });
    expect(Forecast.parse(r.output)).toEqual(r.output);
    expect(DEMO_REPLY.startsWith(r.output.city)).toBe(true);
  });

  it('tools: a forced call runs the tool, and the next step answers with its result in the history', async () => {
    const calls: { city: string }[] = [];
    const r = await generateText({
      model,
      prompt: PROMPT,
      temperature: 0,
      maxRetries: 0,
      tools: { [WEATHER_TOOL.name]: tool({ description: WEATHER_TOOL.description, inputSchema: WeatherArgs, execute: async ({ city }) => (calls.push({ city }), weatherResult(city)) }) },
      stopWhen: stepCountIs(2),
      prepareStep: ({ stepNumber }) => ({ toolChoice: stepNumber === 0 ? 'required' : 'none' }),
    });
    expect(r.steps).toHaveLength(2);
    expect(r.steps[0]!.finishReason).toBe('tool-calls');
    expect(r.steps[0]!.toolCalls[0]).toMatchObject({ toolName: WEATHER_TOOL.name, input: calls[0] });
    expect(WeatherArgs.parse(calls[0])).toEqual(calls[0]);
    expect(r.steps[0]!.toolResults[0]!.output).toEqual(weatherResult(calls[0]!.city));
    expect(r.text).toBe(DEMO_REPLY);
  });
});
