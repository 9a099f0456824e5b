// OpenAI's chat-completions wire format, both ways: the request body (what clients send us and
// what the remote engine sends upstream), the completion, the stream chunk and the error event
// (what we answer and what upstreams answer), and the Server-Sent Events framing: a writer for
// our streams and a parser for upstream streams. The routes and engine/remote.ts share it.
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export type FinishReason = 'stop' | 'length';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** POST /v1/chat/completions: the fields this server reads. */
export interface ChatCompletionRequest {
  messages: ChatMessage[];
  model?: string;
  temperature?: number;
  max_tokens?: number;
  stream?: boolean;
}

export const chatCompletionRequestSchema = {
  type: 'object',
  required: ['messages'],
  properties: {
    messages: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['role', 'content'],
        properties: { role: { enum: ['system', 'user', 'assistant'] }, content: { type: 'string' }, name: { type: 'string' } },
      },
    },
    model: { type: 'string' },
    temperature: { type: 'number', minimum: 0, maximum: 2 },
    max_tokens: { type: 'integer', minimum: 1 },
    stream: { type: 'boolean' },
  },
} as const;

/** What one answer's completion, or every chunk of its stream, says about itself. */
export interface AnswerId {
  id: string;
  created: number;
  model: string;
}

export const newAnswerId = (model: string): AnswerId => ({ id: `chatcmpl-${randomBytes(12).toString('base64url')}`, created: Math.floor(Date.now() / 1000), model });

export interface ChatCompletion extends AnswerId {
  object: 'chat.completion';
  choices: { index: number; message: { role: 'assistant'; content: string }; finish_reason: FinishReason }[];
  usage: Usage;
}

export interface ChatCompletionChunk extends AnswerId {
  object: 'chat.completion.chunk';
  choices: { index: number; delta: { role?: 'assistant'; content?: string }; finish_reason: FinishReason | null }[];
  usage?: Usage;
}

/** OpenAI's error body; mid-stream it travels as an event. */
export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

// Fields in OpenAI's order, so the bytes read as theirs do.
export const completion = ({ id, created, model }: AnswerId, content: string, finish: FinishReason, usage: Usage): ChatCompletion => ({
  id,
  object: 'chat.completion',
  created,
  model,
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finish }],
  usage,
});

export const chunk = ({ id, created, model }: AnswerId, delta: ChatCompletionChunk['choices'][number]['delta'], finish: FinishReason | null): ChatCompletionChunk => ({
  id,
  object: 'chat.completion.chunk',
  created,
  model,
  choices: [{ index: 0, delta, finish_reason: finish }],
});

/** Anything but "length" (stop, eos, tool_calls, null) counts as a natural stop. */
const finishReason = (x: unknown): FinishReason => (x === 'length' ? 'length' : 'stop');

// --- reading an upstream's answer ---------------------------------------------------------

/** An upstream answer that breaks the format; `what` completes "The upstream model API …". */
export class WireFormatError extends Error {
  constructor(readonly what: string) {
    super(`The upstream model API ${what}`);
  }
}

/** An error event an upstream sent mid-stream. */
export class StreamErrorEvent extends Error {}

/** The text, finish reason and usage of a non-streamed completion. */
export function readCompletion(doc: unknown): { content: string; finishReason: FinishReason; usage?: Usage } {
  const choice = (doc as Partial<ChatCompletion> | null)?.choices?.[0];
  const content = choice?.message?.content;
  if (typeof content !== 'string') throw new WireFormatError('answered without choices[0].message.content');
  const usage = (doc as Partial<ChatCompletion>).usage;
  return { content, finishReason: finishReason(choice?.finish_reason), ...(usage ? { usage } : {}) };
}

/**
 * The data payloads of an SSE body in order, up to `[DONE]`. An event ends at a blank line; its
 * `data:` lines join with "\n"; comments and other fields are skipped; lines end in LF or CRLF
 * and may split across reads; an event the body ends inside is incomplete and dropped (the
 * WHATWG event-stream rules). Written here because the service image ships only production
 * dependencies, and none of them parses SSE.
 */
export async function* sseData(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = '';
  let data: string[] = [];
  for await (const part of body) {
    buffered += decoder.decode(part, { stream: true });
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).replace(/\r$/, '');
      buffered = buffered.slice(nl + 1);
      if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      else if (line === '' && data.length > 0) {
        const payload = data.join('\n');
        data = [];
        if (payload === '[DONE]') return;
        yield payload;
      }
    }
  }
}

/** The chunks of an upstream chat stream; a malformed chunk or an error event throws. */
export async function* readChunks(body: AsyncIterable<Uint8Array>): AsyncGenerator<{ delta?: string; finishReason?: FinishReason; usage?: Usage }> {
  for await (const data of sseData(body)) {
    let doc: Partial<ChatCompletionChunk> & Partial<ErrorBody>;
    try {
      doc = JSON.parse(data);
    } catch {
      throw new WireFormatError('sent a malformed stream chunk');
    }
    if (doc.error) throw new StreamErrorEvent(String(doc.error.message ?? 'unknown error'));
    const choice = doc.choices?.[0];
    yield {
      ...(choice?.delta?.content ? { delta: choice.delta.content } : {}),
      ...(choice?.finish_reason ? { finishReason: finishReason(choice.finish_reason) } : {}),
      ...(doc.usage ? { usage: doc.usage } : {}),
    };
  }
}

// --- writing our stream -------------------------------------------------------------------

export const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' } as const;

const event = (data: object) => `data: ${JSON.stringify(data)}\n\n`;
const DONE = 'data: [DONE]\n\n';

/**
 * One answer as SSE: a role chunk, the content deltas, then a finish chunk or (when it failed
 * mid-stream, after the status line was sent) an error event, and `data: [DONE]`.
 */
export class SseWriter {
  readonly stream = new PassThrough();

  constructor(private readonly answer: AnswerId) {
    this.stream.write(event(chunk(answer, { role: 'assistant', content: '' }, null)));
  }

  delta(content: string): void {
    this.stream.write(event(chunk(this.answer, { content }, null)));
  }

  finish(reason: FinishReason): void {
    this.stream.end(event(chunk(this.answer, {}, reason)) + DONE);
  }

  fail(error: ErrorBody): void {
    this.stream.end(event(error) + DONE);
  }
}
