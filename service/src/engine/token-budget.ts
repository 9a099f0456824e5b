// A prompt against the context, without stalling the process. llama.cpp's tokeniser runs
// synchronously on the main thread and its time grows faster than the text (measured with the
// demo model: 16 KB 63 ms, 64 KB 655 ms, CJK 64 KB 3.3 s), so a long prompt is first counted in
// pieces of CHUNK_CHARS with the event loop free between them: linear, and /healthz answers
// meanwhile. Only a prompt that can fit is then tokenised whole, exactly, as generation will.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ApiError } from '../errors.js';

/** Piece size: a few milliseconds of tokenising at worst. */
export const CHUNK_CHARS = 1024;

/**
 * About how many tokens `texts` make, tokenised in pieces cut at whitespace (never inside a
 * surrogate pair), yielding to the event loop after each piece. Splitting can only break merges
 * and add a word-start token per piece, so this errs high, by at most a few tokens per piece.
 */
export async function countTokensInPieces(texts: string[], tokenize: (text: string) => number, chunkChars = CHUNK_CHARS): Promise<number> {
  let tokens = 0;
  for (const text of texts) {
    for (let start = 0; start < text.length; ) {
      let end = Math.min(text.length, start + chunkChars);
      if (end < text.length) {
        const space = text.lastIndexOf(' ', end);
        if (space > start + chunkChars / 2) end = space;
        else if (/[\uDC00-\uDFFF]/.test(text[end]!)) end--; // keep a surrogate pair together
      }
      tokens += tokenize(text.slice(start, end));
      start = end;
      await nextTurn();
    }
  }
  return tokens;
}

export interface Budget {
  /** The context, in tokens. */
  context: number;
  /** The prompt, in tokens. */
  prompt: number;
  /** The prompt was only estimated (counted in pieces). */
  approximate: boolean;
  maxTokens: number;
  /** The client asked for maxTokens: they must fit, or the request is refused. */
  maxTokensAsked: boolean;
}

/**
 * The completion tokens a prompt leaves room for: what was asked when it fits; without an
 * explicit ask, whatever the context has left (the answer ends with finish_reason "length").
 * A prompt that leaves no room, or an ask that does not fit, is 400 context_length_exceeded:
 * never silently truncated.
 */
export function completionBudget(b: Budget): number {
  // One token of the context stays free: llama.cpp needs it to sample the next token.
  const room = b.context - 1 - b.prompt;
  if (room <= 0) throw new ApiError('context_length_exceeded', { context: b.context, prompt: b.prompt, approximate: b.approximate });
  if (b.maxTokensAsked && b.maxTokens > room) throw new ApiError('context_length_exceeded', { context: b.context, prompt: b.prompt, approximate: b.approximate, completion: b.maxTokens });
  return Math.min(b.maxTokens, room);
}
