// An OpenAI-shaped request in node-llama-cpp's terms: the messages as its chat history (tool
// calls with their results inside the model's turn, a final assistant message as the turn it
// continues), tools as its functions, and JSON Schemas as the subset its grammar generator
// enforces. No model needed: llama.ts runs what this builds.
import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelFunctions, GbnfJsonSchema } from 'node-llama-cpp';
import { ApiError } from '../errors.js';
import type { ChatTurn, ToolChoice, ToolSpec } from './types.js';

/** A tool's result as the model reads it: JSON when it is JSON, else the text. */
function toolResult(content: string): unknown {
  try {
    return JSON.parse(content);
  } catch {
    return content;
  }
}

/**
 * The chat history, ending in the model's turn: an empty one to answer, or the one it
 * continues — after a final assistant message (a prefill) or after its tool calls' results.
 * Assistant messages around tool messages are one model turn, as node-llama-cpp keeps them.
 */
export function chatHistory(turns: ChatTurn[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  const results = new Map(turns.flatMap((t) => (t.role === 'tool' ? [[t.toolCallId, t.content] as const] : [])));
  let previous: ChatTurn['role'] | undefined;
  for (const turn of turns) {
    if (turn.role === 'system' || turn.role === 'user') history.push(turn.role === 'system' ? { type: 'system', text: turn.content } : { type: 'user', text: turn.content });
    else if (turn.role === 'assistant') {
      const calls: ChatModelFunctionCall[] = (turn.toolCalls ?? []).map((c) => ({ type: 'functionCall', name: c.function.name, params: JSON.parse(c.function.arguments), result: toolResult(results.get(c.id) ?? '') }));
      const response = [...(turn.content ? [turn.content] : []), ...calls];
      const last = history.at(-1);
      if (previous === 'tool' && last?.type === 'model') last.response.push(...response);
      else history.push({ type: 'model', response });
    }
    previous = turn.role;
  }
  if (history.at(-1)?.type !== 'model') history.push({ type: 'model', response: [] });
  return history;
}

/** The tools as functions the model may call (tool_choice "auto"). */
export function llamaFunctions(tools: ToolSpec[]): ChatModelFunctions {
  return Object.fromEntries(tools.map((t, i) => [t.name, { ...(t.description ? { description: t.description } : {}), params: toGrammarSchema(t.parameters ?? { type: 'object', properties: {} }, `tools[${i}].function.parameters`) }]));
}

// JSON Schema keywords, by what the grammar does with them.
const ANNOTATIONS = new Set(['$schema', '$id', '$comment', 'title', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly', 'nullable', 'strict']);
/** Value constraints the grammar cannot express: the types and shapes are still enforced (as llama.cpp's server does). */
const UNENFORCED = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'pattern', 'uniqueItems', 'contentEncoding', 'contentMediaType']);
const REFUSED = ['allOf', 'not', 'if', 'then', 'else', 'dependentSchemas', 'dependentRequired', 'patternProperties', 'propertyNames', 'unevaluatedProperties', 'unevaluatedItems', 'contains', 'minContains', 'maxContains', 'additionalItems'];
const GRAMMAR_FORMATS = new Set(['date-time', 'time', 'date']);

/**
 * A client's JSON Schema as node-llama-cpp's grammar schema: anyOf read as oneOf,
 * `definitions` as `$defs`, annotations and unenforceable value constraints dropped; a keyword
 * that would change which shapes are valid (allOf, not, if …) is refused, naming where it is.
 */
export function toGrammarSchema(schema: unknown, param: string): GbnfJsonSchema {
  const walk = (node: unknown, at: string): unknown => {
    if (Array.isArray(node)) return node.map((n, i) => walk(n, `${at}[${i}]`));
    if (typeof node !== 'object' || node === null) return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      const here = `${at}.${key}`;
      if (REFUSED.includes(key)) throw new ApiError('schema_unsupported', { param: here, keyword: key });
      if (ANNOTATIONS.has(key) || UNENFORCED.has(key)) continue;
      if (key === 'format' && !GRAMMAR_FORMATS.has(String(value))) continue;
      if (key === '$ref' && typeof value === 'string') {
        const name = /^#\/(?:\$defs|definitions)\/([^/]+)$/.exec(value)?.[1];
        if (!name) throw new ApiError('schema_unsupported', { param: here, keyword: `$ref ${value}` });
        out.$ref = `#/$defs/${name}`;
      } else if (key === 'properties' || key === '$defs' || key === 'definitions') {
        out[key === 'definitions' ? '$defs' : key] = Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, walk(v, `${here}.${k}`)]));
      } else if (key === 'anyOf' || key === 'oneOf') out.oneOf = walk(value, here);
      else out[key] = walk(value, here);
    }
    return out;
  };
  return walk(schema, param) as GbnfJsonSchema;
}

export interface ForcedCall {
  /** What the grammar lets the model write: the one tool's arguments, or `{name, arguments}` for one of several. */
  schema: GbnfJsonSchema;
  /** The tool when there is one candidate. */
  tool?: string;
  /** What the model is told, as a system message: the grammar forces the shape, this says what it is for. */
  instruction: string;
}

/**
 * A forced tool call (tool_choice "required" or a named function). node-llama-cpp's functions
 * only call when the model chooses to and cannot be combined with a grammar, so a forced call
 * is a grammar over the arguments instead, with the tools described to the model in words.
 */
export function forcedCall(tools: ToolSpec[], choice: ToolChoice): ForcedCall | undefined {
  if (choice === 'none' || choice === 'auto') return undefined;
  const candidates = typeof choice === 'object' ? tools.filter((t) => t.name === choice.name) : tools;
  const args = (t: ToolSpec) => toGrammarSchema(t.parameters ?? { type: 'object', properties: {} }, `tools[${tools.indexOf(t)}].function.parameters`);
  const describe = (t: ToolSpec) => `${t.name}${t.description ? ` (${t.description})` : ''}`;
  if (candidates.length === 1) {
    const t = candidates[0]!;
    return { schema: args(t), tool: t.name, instruction: `Call the function ${describe(t)}: answer with its arguments as a JSON object.` };
  }
  return {
    schema: { oneOf: candidates.map((t) => ({ type: 'object', properties: { name: { const: t.name }, arguments: args(t) }, required: ['name', 'arguments'] })) } as GbnfJsonSchema,
    instruction: `Call one of these functions: ${candidates.map(describe).join('; ')}. Answer with a JSON object {"name": the function, "arguments": its arguments}.`,
  };
}

/** The history with `instruction` added to its first system message (or as one, first). */
export function withInstruction(history: ChatHistoryItem[], instruction: string): ChatHistoryItem[] {
  const first = history[0];
  if (first?.type === 'system' && typeof first.text === 'string') return [{ type: 'system', text: `${first.text}\n\n${instruction}` }, ...history.slice(1)];
  return [{ type: 'system', text: instruction }, ...history];
}
