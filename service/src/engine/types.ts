// What the routes need from a model source, local or remote: a request already checked and
// normalised (chat-request.ts), and the answer.
import type { ChatCompletionRequest, FinishReason, ToolCall, Usage } from '../openai-wire.js';
import type { DecodeStats } from './decode-loop.js';

export type { ToolCall };

/** One message, as the engines read it: text joined from its parts, `developer` as `system`. */
export type ChatTurn =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; content: string };

export interface ToolSpec {
  name: string;
  description?: string;
  /** JSON Schema of the arguments (an object), as the client gave it. */
  parameters?: Record<string, unknown>;
}

/** none: answer in text; auto: the model decides; required: some tool; { name }: that tool. */
export type ToolChoice = 'none' | 'auto' | 'required' | { name: string };

export type ResponseFormat = { type: 'json_object' } | { type: 'json_schema'; name: string; schema: Record<string, unknown> };

export interface ChatRequest {
  /** Ends with what the model answers: a user or tool message, or an assistant message it continues (a prefill). */
  messages: ChatTurn[];
  /** At most the server's limit: what the client asked, or the limit itself. */
  maxTokens: number;
  /** The client named max_tokens: a prompt that leaves no room for them is refused, not cut short. */
  maxTokensAsked: boolean;
  temperature: number;
  topP?: number;
  seed?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  stop: string[];
  responseFormat?: ResponseFormat;
  tools: ToolSpec[];
  toolChoice: ToolChoice;
  parallelToolCalls: boolean;
  signal: AbortSignal;
  /** The request as the client sent it: a remote engine forwards it unchanged. */
  wire: ChatCompletionRequest;
}

export interface ChatResult {
  /** null when the answer is only tool calls. */
  content: string | null;
  toolCalls?: ToolCall[];
  finishReason: FinishReason;
  usage: Usage;
}

export interface Readiness {
  ready: boolean;
  reason?: string;
}

/** What one in-process model decoded since it loaded. */
export interface ModelDecodeStats {
  model: string;
  stats: DecodeStats;
}

export interface ChatEngine {
  readonly source: 'local' | 'remote';
  /** The model id clients name (GET /v1/models). */
  readonly modelId: string;
  readiness(): Promise<Readiness>;
  /**
   * What only the engine can check, before a byte of the answer is sent (so a stream can still
   * answer 400): the prompt against the context, the response schema against the grammar.
   */
  prepare(req: ChatRequest): Promise<void>;
  /** Throws queue_full when a request now would find the queue full (so a stream can still answer 429). */
  checkCapacity(): void;
  /**
   * Streams text deltas through onDelta (when given) and resolves with the whole result. Takes
   * its place in the queue before it first yields, so checkCapacity() just before still holds.
   * Calls onStart once the answer has begun — a local model at once (it queues, then decodes),
   * an upstream once it accepted the request — and before any delta: a failure before it lets
   * another model answer (routes/chat.ts, fallbacks); after it, the answer is this model's.
   */
  chat(req: ChatRequest, onDelta?: (text: string) => void, onStart?: () => void): Promise<ChatResult>;
  /** Requests waiting for capacity. */
  queueDepth(): number;
  /** Requests holding a sequence now (at most inference.parallelSequences): the autoscaler's busy share. */
  busySequences(): number;
  /** What an in-process model decoded since it loaded (undefined before, and for an upstream). */
  decodeStats?(): DecodeStats | undefined;
  close(): Promise<void>;
}
