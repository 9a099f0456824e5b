// What the routes need from a model source, local or remote.
import type { ChatMessage, FinishReason, Usage } from '../openai-wire.js';

export type { ChatMessage };

export interface ChatRequest {
  messages: ChatMessage[];
  temperature: number;
  maxTokens: number;
  signal: AbortSignal;
}

export interface ChatResult {
  content: string;
  finishReason: FinishReason;
  usage: Usage;
}

export interface Readiness {
  ready: boolean;
  reason?: string;
}

export interface ChatEngine {
  readonly source: 'local' | 'remote';
  /** The model id clients name (GET /v1/models). */
  readonly modelId: string;
  readiness(): Promise<Readiness>;
  /** Streams text deltas through onDelta (when given) and resolves with the whole result. */
  chat(req: ChatRequest, onDelta?: (text: string) => void): Promise<ChatResult>;
  /** Requests waiting for capacity. */
  queueDepth(): number;
  close(): Promise<void>;
}
