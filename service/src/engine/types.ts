// What the routes need from a model source, local or remote.

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  messages: ChatMessage[];
  temperature: number;
  maxTokens: number;
  signal: AbortSignal;
}

export interface ChatResult {
  content: string;
  finishReason: 'stop' | 'length';
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
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
