// OpenAI's chat-completions wire format, both ways: the request body (what clients send us and
// what the remote engine sends upstream) with its JSON schema, the completion, the stream chunk
// and the error event (what we answer and what upstreams answer), and the Server-Sent Events
// framing: a writer for our streams and a parser for upstream streams. The routes and
// engine/remote.ts share it.
import { PassThrough } from 'node:stream';
import { randomText } from './random-id.js';

// --- the request --------------------------------------------------------------------------

/** A part of a message's content; only text parts are read (chat-request.ts refuses the others by name). */
export type ContentPart = { type: 'text'; text: string } | { type: 'refusal'; refusal: string } | { type: string; [k: string]: unknown };
export type WireContent = string | ContentPart[];

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface WireMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool' | 'function';
  content?: WireContent | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  refusal?: string | null;
  audio?: unknown;
  function_call?: unknown;
}

export interface WireTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean | null };
}

export type WireToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export type WireResponseFormat = { type: 'text' } | { type: 'json_object' } | { type: 'json_schema'; json_schema: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean | null } };

/** POST /v1/chat/completions as OpenAI defines it (null means "not given" wherever OpenAI allows it). */
export interface ChatCompletionRequest {
  messages: WireMessage[];
  model?: string;
  temperature?: number | null;
  top_p?: number | null;
  frequency_penalty?: number | null;
  presence_penalty?: number | null;
  seed?: number | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  stop?: string | string[] | null;
  n?: number | null;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean; include_obfuscation?: boolean } | null;
  response_format?: WireResponseFormat;
  tools?: WireTool[];
  tool_choice?: WireToolChoice;
  parallel_tool_calls?: boolean;
  logprobs?: boolean | null;
  top_logprobs?: number | null;
  logit_bias?: Record<string, number> | null;
  modalities?: string[] | null;
  audio?: unknown;
  prediction?: unknown;
  web_search_options?: unknown;
  functions?: unknown;
  function_call?: unknown;
  reasoning_effort?: unknown;
  verbosity?: unknown;
  user?: string;
  metadata?: Record<string, string> | null;
  store?: boolean | null;
  service_tier?: string | null;
  prompt_cache_key?: string;
  safety_identifier?: string;
}

const nullable = (schema: Record<string, unknown>) => ({ ...schema, type: [schema.type as string, 'null'] });
const contentPart = { type: 'object', required: ['type'], properties: { type: { type: 'string' } } };
const toolCall = {
  type: 'object',
  required: ['id', 'type', 'function'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 1 },
    type: { const: 'function' },
    function: {
      type: 'object',
      required: ['name', 'arguments'],
      additionalProperties: false,
      // parsed_arguments: what the openai SDK's parse() adds to an answer a client sends back.
      properties: { name: { type: 'string' }, arguments: { type: 'string' }, parsed_arguments: {} },
    },
  },
};
const message = {
  type: 'object',
  required: ['role'],
  additionalProperties: false,
  properties: {
    role: { enum: ['system', 'developer', 'user', 'assistant', 'tool', 'function'] },
    content: { type: ['string', 'array', 'null'], items: contentPart },
    name: { type: 'string' },
    tool_calls: { type: 'array', items: toolCall },
    tool_call_id: { type: 'string' },
    refusal: { type: ['string', 'null'] },
    audio: {},
    function_call: {},
    // Fields of an answer that clients send back in the history as they got it (the openai
    // SDK's parse() adds `parsed`): read as history, they change nothing.
    annotations: { type: 'array' },
    parsed: {},
  },
  // Content is required except from the assistant (whose tool calls may stand alone); a tool
  // message names the call it answers.
  allOf: [
    { if: { required: ['role'], properties: { role: { enum: ['system', 'developer', 'user', 'tool'] } } }, then: { required: ['content'], properties: { content: { type: ['string', 'array'] } } } },
    { if: { required: ['role'], properties: { role: { const: 'tool' } } }, then: { required: ['tool_call_id'] } },
  ],
};
const tool = {
  type: 'object',
  required: ['type', 'function'],
  additionalProperties: false,
  properties: {
    type: { const: 'function' },
    function: {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: { name: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' }, description: { type: 'string' }, parameters: { type: 'object' }, strict: { type: ['boolean', 'null'] } },
    },
  },
};

/**
 * The request body, strictly: fastify's ajv runs without type coercion, so `"10"` is not 10
 * and `1` is not `true`; a field OpenAI's API does not have is refused by name. Fields this
 * server cannot honour are typed here and refused with a reason by chat-request.ts.
 */
export const chatCompletionRequestSchema = {
  type: 'object',
  required: ['messages'],
  additionalProperties: false,
  properties: {
    messages: { type: 'array', minItems: 1, items: message },
    model: { type: 'string' },
    temperature: nullable({ type: 'number', minimum: 0, maximum: 2 }),
    top_p: nullable({ type: 'number', minimum: 0, maximum: 1 }),
    frequency_penalty: nullable({ type: 'number', minimum: -2, maximum: 2 }),
    presence_penalty: nullable({ type: 'number', minimum: -2, maximum: 2 }),
    seed: nullable({ type: 'integer' }),
    max_tokens: nullable({ type: 'integer', minimum: 1 }),
    max_completion_tokens: nullable({ type: 'integer', minimum: 1 }),
    stop: { type: ['string', 'array', 'null'], items: { type: 'string', minLength: 1 }, maxItems: 4, minLength: 1 },
    n: nullable({ type: 'integer', minimum: 1 }),
    stream: nullable({ type: 'boolean' }),
    stream_options: nullable({ type: 'object', additionalProperties: false, properties: { include_usage: { type: 'boolean' }, include_obfuscation: { type: 'boolean' } } }),
    response_format: {
      type: 'object',
      required: ['type'],
      additionalProperties: false,
      properties: {
        type: { enum: ['text', 'json_object', 'json_schema'] },
        json_schema: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' }, description: { type: 'string' }, schema: { type: 'object' }, strict: { type: ['boolean', 'null'] } },
        },
      },
    },
    tools: { type: 'array', maxItems: 128, items: tool },
    tool_choice: {
      type: ['string', 'object'],
      // A string is one of the modes; an object names one function.
      if: { type: 'string' },
      then: { enum: ['none', 'auto', 'required'] },
      else: {
        required: ['type', 'function'],
        additionalProperties: false,
        properties: { type: { const: 'function' }, function: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string' } } } },
      },
    },
    parallel_tool_calls: { type: 'boolean' },
    logprobs: nullable({ type: 'boolean' }),
    top_logprobs: nullable({ type: 'integer', minimum: 0, maximum: 20 }),
    logit_bias: nullable({ type: 'object', additionalProperties: { type: 'number' } }),
    modalities: nullable({ type: 'array', items: { type: 'string' } }),
    audio: {},
    prediction: {},
    web_search_options: {},
    functions: {},
    function_call: {},
    reasoning_effort: {},
    verbosity: {},
    user: { type: 'string' },
    metadata: nullable({ type: 'object', additionalProperties: { type: 'string' } }),
    store: nullable({ type: 'boolean' }),
    service_tier: nullable({ type: 'string' }),
    prompt_cache_key: { type: 'string' },
    safety_identifier: { type: 'string' },
  },
} as const;

// --- the answer ---------------------------------------------------------------------------

export type FinishReason = 'stop' | 'length' | 'tool_calls';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** OpenAI's: how many of the prompt's tokens were not evaluated again (a local model's sequence held them). */
  prompt_tokens_details?: { cached_tokens: number };
}

/** What one answer's completion, or every chunk of its stream, says about itself. */
export interface AnswerId {
  id: string;
  created: number;
  model: string;
}

export const newAnswerId = (model: string): AnswerId => ({ id: `chatcmpl-${randomText(12, 'base64url')}`, created: Math.floor(Date.now() / 1000), model });
export const newToolCallId = () => `call_${randomText(12, 'base64url')}`;

export interface AssistantMessage {
  role: 'assistant';
  content: string | null;
  tool_calls?: ToolCall[];
}

export interface ChatCompletion extends AnswerId {
  object: 'chat.completion';
  choices: { index: number; message: AssistantMessage; finish_reason: FinishReason }[];
  usage: Usage;
}

/** A tool call in a stream: its index in the message, and (all at once here) its id, name and arguments. */
export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface ChunkDelta {
  role?: 'assistant';
  content?: string | null;
  tool_calls?: ToolCallDelta[];
}

export interface ChatCompletionChunk extends AnswerId {
  object: 'chat.completion.chunk';
  choices: { index: number; delta: ChunkDelta; finish_reason: FinishReason | null }[];
  usage?: Usage | null;
}

/** OpenAI's error body; mid-stream it travels as an event. */
export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

// Fields in OpenAI's order, so the bytes read as theirs do.
export const completion = ({ id, created, model }: AnswerId, message: { content: string | null; toolCalls?: ToolCall[] }, finish: FinishReason, usage: Usage): ChatCompletion => ({
  id,
  object: 'chat.completion',
  created,
  model,
  choices: [{ index: 0, message: { role: 'assistant', content: message.content, ...(message.toolCalls?.length ? { tool_calls: message.toolCalls } : {}) }, finish_reason: finish }],
  usage,
});

/** What a completion is made from: an engine's or the cache's ChatResult. */
type CompletionOf = { content: string | null; toolCalls?: ToolCall[]; finishReason: FinishReason; usage: Usage };
/** The part of a serialised completion its result decides (choices and usage), per result object. */
const tails = new WeakMap<CompletionOf, string>();

/**
 * JSON.stringify(completion(answer, result, …)), byte for byte, with the result's part serialised
 * once per result object: a hot cached answer is the same object at every hit, and serialising
 * its text was the largest single cost of answering it. Results are never changed once made.
 */
export function completionJson({ id, created, model }: AnswerId, result: CompletionOf): string {
  let tail = tails.get(result);
  if (tail === undefined) {
    const { choices, usage } = completion({ id, created, model }, result, result.finishReason, result.usage);
    tail = JSON.stringify({ choices, usage }).slice(1);
    tails.set(result, tail);
  }
  return `{"id":${JSON.stringify(id)},"object":"chat.completion","created":${created},"model":${JSON.stringify(model)},${tail}`;
}

export const chunk = ({ id, created, model }: AnswerId, delta: ChunkDelta, finish: FinishReason | null, usage?: Usage | null): ChatCompletionChunk => ({
  id,
  object: 'chat.completion.chunk',
  created,
  model,
  choices: [{ index: 0, delta, finish_reason: finish }],
  ...(usage !== undefined ? { usage } : {}),
});

/** "length" and "tool_calls" as said; anything else (stop, eos, content_filter, null) counts as a natural stop. */
const finishReason = (x: unknown): FinishReason => (x === 'length' || x === 'tool_calls' ? x : 'stop');

// --- reading an upstream's answer ---------------------------------------------------------

/** An upstream answer that breaks the format; `what` completes "The upstream model API …". */
export class WireFormatError extends Error {
  constructor(readonly what: string) {
    super(`The upstream model API ${what}`);
  }
}

/** An error event an upstream sent mid-stream. */
export class StreamErrorEvent extends Error {}

const isToolCall = (c: unknown): c is ToolCall => {
  const f = (c as Partial<ToolCall> | null)?.function;
  return typeof (c as ToolCall)?.id === 'string' && typeof f?.name === 'string' && typeof f.arguments === 'string';
};

/** The text (or tool calls), finish reason and usage of a non-streamed completion. */
export function readCompletion(doc: unknown): { content: string | null; toolCalls?: ToolCall[]; finishReason: FinishReason; usage?: Usage } {
  const choice = (doc as Partial<ChatCompletion> | null)?.choices?.[0];
  const content = choice?.message?.content;
  const calls = choice?.message?.tool_calls;
  const toolCalls = Array.isArray(calls) && calls.length > 0 && calls.every(isToolCall) ? calls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.function.name, arguments: c.function.arguments } })) : undefined;
  if (typeof content !== 'string' && !(content === null && toolCalls)) throw new WireFormatError('answered without choices[0].message.content');
  const usage = (doc as Partial<ChatCompletion>).usage;
  return { content, ...(toolCalls ? { toolCalls } : {}), finishReason: finishReason(choice?.finish_reason), ...(usage ? { usage } : {}) };
}

/**
 * The data payloads of an SSE body, read by read: push() each read and get the payloads of the
 * events it completed, up to `[DONE]` (then `done`). An event ends at a blank line; its `data:`
 * lines join with "\n"; comments and other fields are skipped; lines end in LF or CRLF and may
 * split across reads; an event the body ends inside is incomplete and dropped (the WHATWG
 * event-stream rules). Synchronous, so a relay handles all the events of one read in one go (one
 * await per read, not per event). Written here because the service image ships only production
 * dependencies, and none of them parses SSE.
 */
export class SseParser {
  private readonly decoder = new TextDecoder();
  /** The start of a line the last read ended inside. */
  private rest = '';
  private data: string[] = [];
  /** `[DONE]` came: what follows it is not read. */
  done = false;

  push(part: Uint8Array): string[] {
    const payloads: string[] = [];
    if (this.done) return payloads;
    const text = this.rest + this.decoder.decode(part, { stream: true });
    let start = 0;
    let nl: number;
    // Lines are read in place (indexOf from a cursor): no copy of the rest of the read per line.
    while ((nl = text.indexOf('\n', start)) >= 0) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      if (end === start) {
        if (this.data.length > 0) {
          const payload = this.data.length === 1 ? this.data[0]! : this.data.join('\n');
          this.data = [];
          if (payload === '[DONE]') {
            this.done = true;
            this.rest = '';
            return payloads;
          }
          payloads.push(payload);
        }
      } else if (text.startsWith('data:', start)) {
        this.data.push(text.slice(text.charCodeAt(start + 5) === 32 ? start + 6 : start + 5, end));
      }
      start = nl + 1;
    }
    this.rest = start === 0 ? text : text.slice(start);
    return payloads;
  }
}

/** The data payloads of an SSE body in order, up to `[DONE]` (SseParser's rules). */
export async function* sseData(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const parser = new SseParser();
  for await (const part of body) {
    yield* parser.push(part);
    if (parser.done) return;
  }
}

export interface StreamPiece {
  delta?: string;
  toolCalls?: ToolCallDelta[];
  finishReason?: FinishReason;
  usage?: Usage;
}

/** One chunk of an upstream chat stream; a malformed chunk or an error event throws. */
export function readChunk(data: string): StreamPiece {
  let doc: Partial<ChatCompletionChunk> & Partial<ErrorBody>;
  try {
    doc = JSON.parse(data);
  } catch {
    throw new WireFormatError('sent a malformed stream chunk');
  }
  if (doc.error) throw new StreamErrorEvent(String(doc.error.message ?? 'unknown error'));
  const choice = doc.choices?.[0];
  const piece: StreamPiece = {};
  // Set field by field: a token's chunk usually has only its delta.
  if (choice?.delta?.content) piece.delta = choice.delta.content;
  if (Array.isArray(choice?.delta?.tool_calls) && choice.delta.tool_calls.length) piece.toolCalls = choice.delta.tool_calls;
  if (choice?.finish_reason) piece.finishReason = finishReason(choice.finish_reason);
  if (doc.usage) piece.usage = doc.usage;
  return piece;
}

/** The chunks of an upstream chat stream (readChunk's, in order). */
export async function* readChunks(body: AsyncIterable<Uint8Array>): AsyncGenerator<StreamPiece> {
  const parser = new SseParser();
  for await (const part of body) {
    for (const data of parser.push(part)) yield readChunk(data);
    if (parser.done) return;
  }
}

/** Tool calls streamed in pieces (OpenAI sends the id and name first, then the arguments in parts), joined by index. */
export class ToolCallAssembler {
  private readonly calls: ToolCall[] = [];

  add(deltas: ToolCallDelta[]): void {
    for (const d of deltas) {
      const call = (this.calls[d.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
      if (d.id) call.id = d.id;
      if (d.function?.name) call.function.name += d.function.name;
      if (d.function?.arguments) call.function.arguments += d.function.arguments;
    }
  }

  get result(): ToolCall[] | undefined {
    const done = this.calls.filter(Boolean);
    if (done.length === 0) return undefined;
    if (done.some((c) => !c.id || !c.function.name)) throw new WireFormatError('streamed a tool call without an id or a name');
    return done;
  }
}

// --- writing our stream -------------------------------------------------------------------

/** A JSON answer's content type, as fastify sets it for an object it serialises. */
export const JSON_TYPE = 'application/json; charset=utf-8';
export const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' } as const;

/** A comment line: clients ignore it, proxies and load balancers see a live connection. */
export const SSE_PING = ': ping\n\n';
/** How often a silent stream (queued, or a slow model) sends SSE_PING. */
export const SSE_HEARTBEAT_MS = 10_000;

const event = (data: object) => `data: ${JSON.stringify(data)}\n\n`;
const DONE = 'data: [DONE]\n\n';

export interface SseOptions {
  /** stream_options.include_usage: every chunk carries `usage: null`, and a last chunk with no choices carries the usage. */
  includeUsage?: boolean;
  heartbeatMs?: number;
}

/**
 * One answer as SSE: a role chunk at once, the content deltas, the tool calls, then a finish
 * chunk (and the usage chunk when asked) or, when it failed after the status line was sent, an
 * error event; then `data: [DONE]`. While nothing else is written it sends SSE_PING every
 * heartbeat, so a queued or slow answer keeps its connection.
 */
export class SseWriter {
  readonly stream = new PassThrough();
  private lastWrite = Date.now();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly usageField: null | undefined;
  /** A content chunk's bytes around its content: the same for every delta of the answer, so encoded once. */
  private readonly deltaHead: string;
  private readonly deltaTail: string;
  /** Events written in this turn of the event loop: they go out as one write, at its end. */
  private pending = '';

  constructor(
    private readonly answer: AnswerId,
    private readonly options: SseOptions = {},
  ) {
    this.usageField = options.includeUsage ? null : undefined;
    // JSON.stringify of a chunk whose content is "", cut there: a delta is then head + its content's JSON + tail.
    const empty = event(chunk(answer, { content: '' }, null, this.usageField));
    const at = empty.indexOf('"content":""') + '"content":'.length;
    this.deltaHead = empty.slice(0, at);
    this.deltaTail = empty.slice(at + 2);
    this.write(event(chunk(answer, { role: 'assistant', content: '' }, null, this.usageField)));
    const every = options.heartbeatMs ?? SSE_HEARTBEAT_MS;
    this.heartbeat = setInterval(() => Date.now() - this.lastWrite >= every && this.write(SSE_PING), Math.max(10, Math.floor(every / 2)));
    this.heartbeat.unref();
    this.stream.once('close', () => clearInterval(this.heartbeat));
  }

  private write(text: string): void {
    // After the client left, fastify destroys the stream: what the model still says goes nowhere.
    if (this.stream.writableEnded || this.stream.destroyed) return;
    this.lastWrite = Date.now();
    if (this.pending === '') queueMicrotask(this.flush);
    this.pending += text;
  }

  private readonly flush = (): void => {
    const text = this.pending;
    this.pending = '';
    if (text && !this.stream.writableEnded && !this.stream.destroyed) this.stream.write(text);
  };

  private end(text: string): void {
    clearInterval(this.heartbeat);
    const pending = this.pending;
    this.pending = '';
    if (!this.stream.writableEnded && !this.stream.destroyed) this.stream.end(pending + text + DONE);
  }

  delta(content: string): void {
    this.write(this.deltaHead + JSON.stringify(content) + this.deltaTail);
  }

  toolCalls(calls: ToolCall[]): void {
    const deltas: ToolCallDelta[] = calls.map((c, index) => ({ index, id: c.id, type: 'function', function: { name: c.function.name, arguments: c.function.arguments } }));
    this.write(event(chunk(this.answer, { tool_calls: deltas }, null, this.usageField)));
  }

  finish(reason: FinishReason, usage: Usage): void {
    const last = event(chunk(this.answer, {}, reason, this.usageField));
    this.end(this.options.includeUsage ? last + event({ ...chunk(this.answer, {}, null, usage), choices: [] }) : last);
  }

  fail(error: ErrorBody): void {
    this.end(event(error));
  }
}
