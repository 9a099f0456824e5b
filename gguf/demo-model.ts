// The built-in demo models: table models whose every answer is one fixed reply (DEMO_REPLY, or
// SECOND_DEMO_REPLY for the second), through real llama.cpp inference. Deterministic: the same
// bytes (and sha256) on every machine.
import { buildVocabulary, tableLlamaModel } from './llama-model.js';

export const DEMO_REPLY =
  'Hello! I am smartbot, a self-hosted chat assistant. This is the built-in demo model: it runs on llama.cpp and always answers with this introduction. Point model.path at a real GGUF file for real answers.';

export const DEMO_MODEL_FILE = 'demo.gguf';
export const DEMO_CONTEXT_LENGTH = 4096;

/** Splits text into SentencePiece pieces (▁ marks a leading space), merging words until each piece is unique. */
export function uniquePieces(text: string): string[] {
  const words = text.split(' ').map((w, i) => (i === 0 ? w : `▁${w}`));
  const pieces: string[] = [];
  const seen = new Set<string>();
  let current = '';
  for (const w of words) {
    current += w;
    if (!seen.has(current)) {
      seen.add(current);
      pieces.push(current);
      current = '';
    }
  }
  if (current) pieces[pieces.length - 1] += current;
  return pieces;
}

/**
 * A table model whose every greedy answer is `reply`, through real llama.cpp inference.
 * `padding` adds that many tokens no answer uses, for a vocabulary as large as a real model's
 * (llama.cpp's per-token work over the logits grows with it).
 */
export function replyModel(reply: string, opts: { name: string; padding?: number }): Buffer {
  const pieces = uniquePieces(reply);
  const vocab = buildVocabulary([...Array.from({ length: opts.padding ?? 0 }, (_, i) => `▁pad${i}`), ...pieces]);
  const first = vocab.tokens.length - pieces.length;
  const next = new Map<number, number>();
  for (let i = 0; i < pieces.length; i++) next.set(first + i, i + 1 < pieces.length ? first + i + 1 : vocab.eos);
  return tableLlamaModel({ name: opts.name, vocab, next, fallback: first, contextLength: DEMO_CONTEXT_LENGTH });
}

export function buildDemoModel(): Buffer {
  return replyModel(DEMO_REPLY, { name: 'smartbot-demo' });
}

/**
 * A second built-in model, for environments with several models (environments/multi.yaml):
 * made the same way, so a test or a curl can tell from the answer which model gave it.
 */
export const SECOND_DEMO_REPLY =
  'Hi! I am the second built-in demo model of smartbot. An environment can serve several models: a request chooses one by its model field, and a model that cannot answer hands it to its fallback.';
export const SECOND_DEMO_MODEL_FILE = 'demo-second.gguf';

export function buildSecondDemoModel(): Buffer {
  return replyModel(SECOND_DEMO_REPLY, { name: 'smartbot-demo-second' });
}

/** The built-in models by file name: `smartbot start` makes the ones an environment names and the models directory lacks. */
export const BUILT_IN_MODELS: Readonly<Record<string, () => Buffer>> = { [DEMO_MODEL_FILE]: buildDemoModel, [SECOND_DEMO_MODEL_FILE]: buildSecondDemoModel };
