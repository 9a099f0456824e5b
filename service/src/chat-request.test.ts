// What the server makes of an OpenAI request once its types are right: the engine's request,
// or the 400 that names the field.
import { describe, expect, it } from 'vitest';
import { readChatRequest, type ChatLimits } from './chat-request.js';
import type { ChatCompletionRequest } from './openai-wire.js';

const limits: ChatLimits = { modelIds: ['demo'], maxTokens: 512, defaultTemperature: 0.7, maxMessageChars: 100, maxPromptChars: 150 };
const read = (body: Partial<ChatCompletionRequest>) => readChatRequest({ messages: [{ role: 'user', content: 'hi' }], ...body } as ChatCompletionRequest, limits);
const refusal = (body: Partial<ChatCompletionRequest>) => {
  try {
    read(body);
  } catch (e) {
    const { code, param, message } = e as { code: string; param: string | null; message: string };
    return { code, param, message };
  }
  throw new Error('accepted');
};
const call = (id: string, args = '{"city":"Paris"}') => ({ id, type: 'function' as const, function: { name: 'get_weather', arguments: args } });

describe('readChatRequest', () => {
  it('fills the defaults: the server limit, the default temperature, no stop, no tools', () => {
    expect(read({})).toMatchObject({ messages: [{ role: 'user', content: 'hi' }], maxTokens: 512, maxTokensAsked: false, temperature: 0.7, stop: [], tools: [], toolChoice: 'none', parallelToolCalls: true });
    expect(read({ temperature: null, max_tokens: null, seed: null, stop: null })).toMatchObject({ temperature: 0.7, maxTokens: 512, stop: [] });
  });

  it('reads sampling, stop and max_completion_tokens as a synonym of max_tokens', () => {
    expect(read({ temperature: 0, top_p: 0.9, seed: 42, frequency_penalty: 0.5, presence_penalty: -0.5, stop: 'END', max_completion_tokens: 64 })).toMatchObject({ temperature: 0, topP: 0.9, seed: 42, frequencyPenalty: 0.5, presencePenalty: -0.5, stop: ['END'], maxTokens: 64, maxTokensAsked: true });
    expect(read({ max_tokens: 64, max_completion_tokens: 64 }).maxTokens).toBe(64);
    expect(refusal({ max_completion_tokens: 513 })).toEqual({ code: 'invalid_request', param: 'max_completion_tokens', message: "max_completion_tokens is 513, above this server's limit of 512." });
    expect(refusal({ max_tokens: 10, max_completion_tokens: 20 }).param).toBe('max_completion_tokens');
  });

  it('joins text parts, reads developer as system, and keeps the request as sent', () => {
    const body = { messages: [{ role: 'developer' as const, content: [{ type: 'text', text: 'Be brief.' }, { type: 'text', text: 'Be kind.' }] }, { role: 'user' as const, content: 'hi' }] };
    const r = read(body);
    expect(r.messages).toEqual([{ role: 'system', content: 'Be brief.\nBe kind.' }, { role: 'user', content: 'hi' }]);
    expect(r.wire).toEqual({ ...body });
  });

  it('pairs tool calls with their results; a final assistant message stays last (a prefill)', () => {
    const r = read({
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, tool_calls: [call('a'), call('b')] },
        { role: 'tool', tool_call_id: 'b', content: 'rain' },
        { role: 'tool', tool_call_id: 'a', content: 'sun' },
        { role: 'assistant', content: 'It is' },
      ],
    });
    expect(r.messages).toEqual([
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: '', toolCalls: [call('a'), call('b')] },
      { role: 'tool', toolCallId: 'b', content: 'rain' },
      { role: 'tool', toolCallId: 'a', content: 'sun' },
      { role: 'assistant', content: 'It is' },
    ]);
    expect(refusal({ messages: [{ role: 'user', content: 'x' }, { role: 'assistant', tool_calls: [call('a'), call('b')] }, { role: 'tool', tool_call_id: 'a', content: '1' }, { role: 'user', content: 'y' }] })).toMatchObject({ param: 'messages[1].tool_calls[1]' });
    expect(refusal({ messages: [{ role: 'assistant', tool_calls: [call('a')] }, { role: 'tool', tool_call_id: 'a', content: '1' }, { role: 'tool', tool_call_id: 'a', content: '2' }] })).toMatchObject({ param: 'messages[2].tool_call_id' });
    expect(refusal({ messages: [{ role: 'assistant', tool_calls: [call('a', '[1]')] }, { role: 'tool', tool_call_id: 'a', content: '1' }] })).toMatchObject({ param: 'messages[0].tool_calls[0].function.arguments', message: "'messages[0].tool_calls[0].function.arguments' must be a JSON object encoded as a string: got an array." });
  });

  it('reads tools and tool_choice: auto by default, a named function, required', () => {
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object' } } }, { type: 'function' as const, function: { name: 'get_time' } }];
    expect(read({ tools })).toMatchObject({ tools: [{ name: 'get_weather', description: 'Weather', parameters: { type: 'object' } }, { name: 'get_time' }], toolChoice: 'auto' });
    expect(read({ tools, tool_choice: { type: 'function', function: { name: 'get_time' } } }).toolChoice).toEqual({ name: 'get_time' });
    expect(read({ tools, tool_choice: 'required', parallel_tool_calls: false })).toMatchObject({ toolChoice: 'required', parallelToolCalls: false });
    expect(refusal({ tools, tool_choice: { type: 'function', function: { name: 'nope' } } }).message).toBe('tool_choice names the function "nope", which is not among the tools (get_weather, get_time).');
  });

  it('reads response_format: json_schema with its schema, json_object, text as nothing', () => {
    expect(read({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } } }).responseFormat).toEqual({ type: 'json_schema', name: 'x', schema: { type: 'object' } });
    expect(read({ response_format: { type: 'json_schema', json_schema: { name: 'x' } } }).responseFormat).toEqual({ type: 'json_object' });
    expect(read({ response_format: { type: 'json_object' } }).responseFormat).toEqual({ type: 'json_object' });
    expect(read({ response_format: { type: 'text' } }).responseFormat).toBeUndefined();
  });

  it('keeps the character caps per message and over all messages, tool call arguments included', () => {
    expect(refusal({ messages: [{ role: 'user', content: 'x'.repeat(101) }] })).toEqual({ code: 'string_above_max_length', param: 'messages[0].content', message: "'messages[0].content' is 101 characters, above this server's limit of 100 per message: shorten it." });
    expect(refusal({ messages: [{ role: 'user', content: 'x'.repeat(100) }, { role: 'user', content: 'y'.repeat(51) }] })).toEqual({ code: 'string_above_max_length', param: 'messages', message: "The messages are 151 characters together, above this server's limit of 150: shorten or drop some." });
    expect(refusal({ messages: [{ role: 'assistant', tool_calls: [call('a', `{"city":"${'z'.repeat(100)}"}`)] }, { role: 'tool', tool_call_id: 'a', content: '1' }] }).param).toBe('messages[0].tool_calls[0].function.arguments');
  });

  it('passes the "off" values of fields it cannot honour, and refuses the rest by name', () => {
    expect(() => read({ n: 1, logprobs: false, top_logprobs: 0, logit_bias: {}, modalities: ['text'], audio: null })).not.toThrow();
    expect(refusal({ n: 2 })).toMatchObject({ code: 'unsupported_parameter', param: 'n' });
    expect(refusal({ messages: [{ role: 'user', content: [{ type: 'file', file: {} }] }] })).toMatchObject({ code: 'unsupported_parameter', param: 'messages[0].content[0]' });
    expect(refusal({ messages: [{ role: 'assistant', content: 'x', audio: { id: 'a' } }] })).toMatchObject({ code: 'unsupported_parameter', param: 'messages[0].audio' });
    expect(refusal({ model: 'gpt-4o' })).toMatchObject({ code: 'model_not_found', param: 'model' });
  });
});
