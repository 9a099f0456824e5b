// OpenAI's request in node-llama-cpp's terms, without a model: the chat history, the grammar
// schema, the forced call.
import { describe, expect, it } from 'vitest';
import { chatHistory, forcedCall, llamaFunctions, toGrammarSchema, withInstruction } from './llama-request.js';
import type { ToolSpec } from './types.js';

const call = (id: string, city: string) => ({ id, type: 'function' as const, function: { name: 'get_weather', arguments: JSON.stringify({ city }) } });
const weather: ToolSpec = { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
const time: ToolSpec = { name: 'get_time' };

describe('chatHistory', () => {
  it('ends with an empty model turn to answer', () => {
    expect(chatHistory([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }])).toEqual([{ type: 'system', text: 'Be brief.' }, { type: 'user', text: 'hi' }, { type: 'model', response: [] }]);
  });

  it('continues a final assistant message (a prefill)', () => {
    expect(chatHistory([{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'Hello! I am' }]).at(-1)).toEqual({ type: 'model', response: ['Hello! I am'] });
  });

  it("puts tool results into the calls of the model's turn, and continues that turn after them", () => {
    const history = chatHistory([
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: '', toolCalls: [call('a', 'Paris'), call('b', 'Oslo')] },
      { role: 'tool', toolCallId: 'b', content: 'rain' },
      { role: 'tool', toolCallId: 'a', content: '{"temp": 20}' },
    ]);
    expect(history).toEqual([
      { type: 'user', text: 'weather?' },
      {
        type: 'model',
        response: [
          { type: 'functionCall', name: 'get_weather', params: { city: 'Paris' }, result: { temp: 20 } },
          { type: 'functionCall', name: 'get_weather', params: { city: 'Oslo' }, result: 'rain' },
        ],
      },
    ]);
    const after = chatHistory([{ role: 'user', content: 'w?' }, { role: 'assistant', content: 'Let me see.', toolCalls: [call('a', 'Rome')] }, { role: 'tool', toolCallId: 'a', content: 'sun' }, { role: 'assistant', content: 'Sunny.' }, { role: 'user', content: 'thanks' }]);
    expect(after.map((h) => h.type)).toEqual(['user', 'model', 'user', 'model']);
    expect(after[1]).toEqual({ type: 'model', response: ['Let me see.', { type: 'functionCall', name: 'get_weather', params: { city: 'Rome' }, result: 'sun' }, 'Sunny.'] });
  });
});

describe('toGrammarSchema', () => {
  it('keeps what the grammar enforces, reads anyOf as oneOf and definitions as $defs, drops annotations and value ranges', () => {
    const zodLike = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      title: 'Forecast',
      properties: {
        city: { type: 'string', maxLength: 24, description: 'A city' },
        n: { type: 'integer', minimum: -9007199254740991, maximum: 9007199254740991 },
        when: { type: 'string', format: 'date' },
        email: { type: 'string', format: 'email', pattern: '.+@.+' },
        tag: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        home: { $ref: '#/definitions/Place' },
      },
      required: ['city'],
      additionalProperties: false,
      definitions: { Place: { type: 'object', properties: { name: { type: 'string', default: 'x' } } } },
    };
    expect(toGrammarSchema(zodLike, 's')).toEqual({
      type: 'object',
      properties: {
        city: { type: 'string', maxLength: 24, description: 'A city' },
        n: { type: 'integer' },
        when: { type: 'string', format: 'date' },
        email: { type: 'string' },
        tag: { oneOf: [{ type: 'string' }, { type: 'null' }] },
        home: { $ref: '#/$defs/Place' },
      },
      required: ['city'],
      additionalProperties: false,
      $defs: { Place: { type: 'object', properties: { name: { type: 'string' } } } },
    });
  });

  it('refuses a keyword that changes which shapes are valid, naming where it is', () => {
    expect(() => toGrammarSchema({ type: 'object', properties: { a: { not: { type: 'null' } } } }, 'response_format.json_schema.schema')).toThrow(
      expect.objectContaining({ code: 'unsupported_parameter', param: 'response_format.json_schema.schema.properties.a.not' }),
    );
    expect(() => toGrammarSchema({ $ref: 'https://example.com/s.json' }, 's')).toThrow(expect.objectContaining({ param: 's.$ref' }));
  });
});

describe('tools', () => {
  it('auto: the tools as functions, their parameters as grammar schemas', () => {
    expect(llamaFunctions([weather, time])).toEqual({
      get_weather: { description: 'Weather in a city', params: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
      get_time: { params: { type: 'object', properties: {} } },
    });
  });

  it('forced: one tool generates its arguments; several generate {name, arguments}; auto and none force nothing', () => {
    expect(forcedCall([weather, time], { name: 'get_weather' })).toEqual({ schema: weather.parameters, tool: 'get_weather', instruction: 'Call the function get_weather (Weather in a city): answer with its arguments as a JSON object.' });
    const any = forcedCall([weather, time], 'required')!;
    expect(any.tool).toBeUndefined();
    expect(any.schema).toEqual({
      oneOf: [
        { type: 'object', properties: { name: { const: 'get_weather' }, arguments: weather.parameters }, required: ['name', 'arguments'] },
        { type: 'object', properties: { name: { const: 'get_time' }, arguments: { type: 'object', properties: {} } }, required: ['name', 'arguments'] },
      ],
    });
    expect(forcedCall([weather], 'auto')).toBeUndefined();
    expect(forcedCall([weather], 'none')).toBeUndefined();
  });

  it('adds the instruction to the first system message, or as one', () => {
    expect(withInstruction([{ type: 'system', text: 'Be brief.' }, { type: 'user', text: 'hi' }], 'Call f.')[0]).toEqual({ type: 'system', text: 'Be brief.\n\nCall f.' });
    expect(withInstruction([{ type: 'user', text: 'hi' }], 'Call f.')).toEqual([{ type: 'system', text: 'Call f.' }, { type: 'user', text: 'hi' }]);
  });
});
