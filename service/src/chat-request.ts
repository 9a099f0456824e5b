// What this server does with an OpenAI chat request, after the schema has checked its types:
// every field is honoured or refused with a 400 that names it, never silently dropped. Messages
// are normalised for the engines (text parts joined, `developer` read as `system`), tool calls
// are paired with their answers, and the character caps are applied before anything is
// tokenised.
import type { HttpConfig } from '../../contract/service-config.js';
import type { ChatRequest, ChatTurn, ToolChoice, ToolSpec } from './engine/types.js';
import { ApiError } from './errors.js';
import type { ChatCompletionRequest, ToolCall, WireContent, WireMessage } from './openai-wire.js';

export interface ChatLimits extends Pick<HttpConfig, 'maxMessageChars' | 'maxPromptChars'> {
  /** The ids served: `model` must name one of them (or be absent: the default model answers). */
  modelIds: readonly string[];
  maxTokens: number;
  defaultTemperature: number;
}

/** Fields OpenAI's API has that this server cannot honour, and why; null and "off" values pass. */
const REFUSED: [field: keyof ChatCompletionRequest, why: (b: ChatCompletionRequest) => string | undefined][] = [
  ['n', (b) => (b.n != null && b.n > 1 ? `n is ${b.n}, but this server generates one choice per request: send n: 1 or leave it out` : undefined)],
  ['logprobs', (b) => (b.logprobs ? 'this server does not return log probabilities' : undefined)],
  ['top_logprobs', (b) => (b.top_logprobs ? 'this server does not return log probabilities' : undefined)],
  ['logit_bias', (b) => (b.logit_bias && Object.keys(b.logit_bias).length > 0 ? "this server does not apply token biases (its model's token ids are not OpenAI's)" : undefined)],
  ['modalities', (b) => (b.modalities?.some((m) => m !== 'text') ? 'this server answers in text only' : undefined)],
  ['audio', (b) => (b.audio != null ? 'this server answers in text only' : undefined)],
  ['prediction', (b) => (b.prediction != null ? 'predicted outputs are not supported' : undefined)],
  ['web_search_options', (b) => (b.web_search_options != null ? 'this server cannot search the web' : undefined)],
  ['functions', (b) => (b.functions != null ? 'the deprecated `functions` field is not supported: send `tools`' : undefined)],
  ['function_call', (b) => (b.function_call != null ? 'the deprecated `function_call` field is not supported: send `tool_choice`' : undefined)],
  ['reasoning_effort', (b) => (b.reasoning_effort != null ? 'this server runs no reasoning model' : undefined)],
  ['verbosity', (b) => (b.verbosity != null ? 'this server does not steer answer length by verbosity: use max_tokens' : undefined)],
];

const PART_REFUSALS: Record<string, string> = {
  image_url: 'image parts are not supported: this server reads text only; send the text as a {"type": "text"} part',
  input_audio: 'audio parts are not supported: this server reads text only',
  file: 'file parts are not supported: send the file’s text as a {"type": "text"} part',
};

/** A message's text: the string, or its text parts joined by newlines; any other part is refused by name. */
function textOf(content: WireContent | null | undefined, param: string, role: WireMessage['role']): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part, j) => {
      const at = `${param}[${j}]`;
      if (part.type === 'text' || (part.type === 'refusal' && role === 'assistant')) {
        const text = part.type === 'text' ? part.text : (part as { refusal?: unknown }).refusal;
        if (typeof text !== 'string') throw new ApiError('invalid_field', { param: `${at}.${part.type}`, problem: 'expected a string' });
        return text;
      }
      const why = PART_REFUSALS[part.type];
      if (why) throw new ApiError('unsupported_field', { param: at, why });
      throw new ApiError('invalid_field', { param: `${at}.type`, problem: `unknown content part type "${part.type}"; expected "text"` });
    })
    .join('\n');
}

function parseArguments(call: ToolCall, param: string): void {
  let args: unknown;
  try {
    args = JSON.parse(call.function.arguments);
  } catch (e) {
    throw new ApiError('tool_arguments_not_json', { param, detail: (e as Error).message });
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new ApiError('tool_arguments_not_json', { param, detail: `got ${Array.isArray(args) ? 'an array' : String(args)}` });
}

/** The messages for the engines, with every tool call answered and the character caps kept. */
function readMessages(wire: WireMessage[], limits: ChatLimits): ChatTurn[] {
  const turns: ChatTurn[] = [];
  let total = 0;
  // Tool calls of the last assistant message that no tool message has answered yet: id → param.
  const unanswered = new Map<string, string>();
  const count = (chars: number, param: string) => {
    if (chars > limits.maxMessageChars) throw new ApiError('message_too_long', { param, chars, limit: limits.maxMessageChars });
    total += chars;
  };
  wire.forEach((m, i) => {
    const at = `messages[${i}]`;
    if (m.role === 'function') throw new ApiError('unsupported_field', { param: `${at}.role`, why: 'the deprecated role "function" is not supported: answer tool calls with role "tool"' });
    if (m.audio != null) throw new ApiError('unsupported_field', { param: `${at}.audio`, why: 'this server reads text only' });
    if (m.function_call != null) throw new ApiError('unsupported_field', { param: `${at}.function_call`, why: 'the deprecated `function_call` is not supported: send `tool_calls`' });
    if (m.tool_calls !== undefined && m.role !== 'assistant') throw new ApiError('invalid_field', { param: `${at}.tool_calls`, problem: 'only assistant messages carry tool calls' });
    if (m.tool_call_id !== undefined && m.role !== 'tool') throw new ApiError('invalid_field', { param: `${at}.tool_call_id`, problem: 'only tool messages answer a tool call' });
    if (m.role !== 'tool' && unanswered.size > 0) {
      const [id, param] = unanswered.entries().next().value!;
      throw new ApiError('tool_call_unanswered', { param, id });
    }
    const content = textOf(m.content, `${at}.content`, m.role);
    count(content.length, `${at}.content`);
    switch (m.role) {
      case 'system':
      case 'developer':
        return void turns.push({ role: 'system', content });
      case 'user':
        return void turns.push({ role: 'user', content });
      case 'assistant': {
        const calls = m.tool_calls ?? [];
        calls.forEach((call, j) => {
          const param = `${at}.tool_calls[${j}]`;
          parseArguments(call, `${param}.function.arguments`);
          count(call.function.arguments.length, `${param}.function.arguments`);
          unanswered.set(call.id, param);
        });
        return void turns.push({ role: 'assistant', content, ...(calls.length ? { toolCalls: calls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.function.name, arguments: c.function.arguments } })) } : {}) });
      }
      case 'tool': {
        const id = m.tool_call_id!;
        if (!unanswered.delete(id)) throw new ApiError('tool_message_orphan', { param: `${at}.tool_call_id`, id });
        return void turns.push({ role: 'tool', toolCallId: id, content });
      }
    }
  });
  if (unanswered.size > 0) {
    const [id, param] = unanswered.entries().next().value!;
    throw new ApiError('tool_call_unanswered', { param, id });
  }
  if (total > limits.maxPromptChars) throw new ApiError('prompt_too_long', { chars: total, limit: limits.maxPromptChars });
  return turns;
}

function readTools(body: ChatCompletionRequest): { tools: ToolSpec[]; toolChoice: ToolChoice } {
  const tools: ToolSpec[] = [];
  const seen = new Set<string>();
  (body.tools ?? []).forEach(({ function: f }, i) => {
    if (seen.has(f.name)) throw new ApiError('tool_duplicate', { param: `tools[${i}].function.name`, name: f.name });
    seen.add(f.name);
    tools.push({ name: f.name, ...(f.description ? { description: f.description } : {}), ...(f.parameters ? { parameters: f.parameters } : {}) });
  });
  const choice = body.tool_choice ?? (tools.length ? 'auto' : 'none');
  if (typeof choice === 'string') {
    if (choice === 'required' && tools.length === 0) throw new ApiError('invalid_field', { param: 'tool_choice', problem: 'is "required", but no tools were given' });
    return { tools, toolChoice: choice };
  }
  const name = choice.function.name;
  if (!seen.has(name)) throw new ApiError('tool_choice_unknown', { name, tools: [...seen] });
  return { tools, toolChoice: { name } };
}

/** The engine's request (without its abort signal), or the ApiError that refuses it. */
export function readChatRequest(body: ChatCompletionRequest, limits: ChatLimits): Omit<ChatRequest, 'signal'> {
  for (const [field, why] of REFUSED) {
    const reason = why(body);
    if (reason) throw new ApiError('unsupported_field', { param: field, why: reason });
  }
  if (body.model != null && !limits.modelIds.includes(body.model)) throw new ApiError('model_not_found', { asked: body.model, served: limits.modelIds });

  const maxTokens = body.max_tokens ?? undefined;
  const maxCompletionTokens = body.max_completion_tokens ?? undefined;
  if (maxTokens !== undefined && maxCompletionTokens !== undefined && maxTokens !== maxCompletionTokens) throw new ApiError('max_tokens_conflict', { maxTokens, maxCompletionTokens });
  const asked = maxCompletionTokens ?? maxTokens;
  if (asked !== undefined && asked > limits.maxTokens)
    throw new ApiError('max_tokens_over_limit', { param: maxCompletionTokens !== undefined ? 'max_completion_tokens' : 'max_tokens', asked, limit: limits.maxTokens });

  const messages = readMessages(body.messages, limits);
  const { tools, toolChoice } = readTools(body);
  const format = body.response_format;
  const responseFormat =
    format?.type === 'json_schema' && format.json_schema.schema
      ? { type: 'json_schema' as const, name: format.json_schema.name, schema: format.json_schema.schema }
      : format?.type === 'json_object' || format?.type === 'json_schema'
        ? { type: 'json_object' as const }
        : undefined;
  const stop = body.stop == null ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop;

  return {
    messages,
    maxTokens: asked ?? limits.maxTokens,
    maxTokensAsked: asked !== undefined,
    temperature: body.temperature ?? limits.defaultTemperature,
    ...(body.top_p != null ? { topP: body.top_p } : {}),
    ...(body.seed != null ? { seed: body.seed } : {}),
    ...(body.frequency_penalty != null ? { frequencyPenalty: body.frequency_penalty } : {}),
    ...(body.presence_penalty != null ? { presencePenalty: body.presence_penalty } : {}),
    stop,
    ...(responseFormat ? { responseFormat } : {}),
    tools,
    toolChoice,
    parallelToolCalls: body.parallel_tool_calls ?? true,
    wire: body,
  };
}
