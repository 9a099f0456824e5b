// Builds llama-architecture GGUF models in-process: no downloads exist here.
//  - `randomLlamaModel`: seeded random weights of any size (tests, benchmarks).
//  - `tableLlamaModel`: weights that encode a next-token table, so greedy decoding (and, with
//    its wide logit margins, any sane temperature) yields an exact, readable reply. The demo
//    model (demo-model.ts) is one of these.
// Tensor dims are ne[0]-first: token_embd/output [n_embd, n_vocab], q/k/v/o and gate/up
// [n_embd, out], ffn_down [n_ff, n_embd]; norms are F32.
import { GgufValueType } from './format.js';
import { GGML_F16, GGML_F32 } from './format.js';
import { meta, writeGguf, type MetaEntry, type TensorEntry } from './write.js';

/** ChatML: node-llama-cpp picks its ChatML wrapper when it sees this template. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const TOKEN_NORMAL = 1;
const TOKEN_UNKNOWN = 2;
const TOKEN_CONTROL = 3;
const TOKEN_BYTE = 6;

export interface Vocabulary {
  tokens: string[];
  types: number[];
  bos: number;
  eos: number;
  unk: number;
  /** Id of the first byte token <0x00>. */
  byteBase: number;
}

/** <unk> <s> </s> <|im_start|> <|im_end|>, 256 byte tokens, then `pieces` (SentencePiece text, ▁ for space). */
export function buildVocabulary(pieces: string[]): Vocabulary {
  const tokens = ['<unk>', '<s>', '</s>', '<|im_start|>', '<|im_end|>'];
  const types = [TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_CONTROL, TOKEN_CONTROL, TOKEN_CONTROL];
  const byteBase = tokens.length;
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    // Lone bytes 0x80–0xFF are never valid UTF-8 on their own: typing them CONTROL keeps them
    // out of generated text, so replies are always valid UTF-8 (llama-server rejects invalid).
    types.push(b >= 0x80 ? TOKEN_CONTROL : TOKEN_BYTE);
  }
  const seen = new Set(tokens);
  for (const p of pieces) {
    if (seen.has(p)) throw new Error(`duplicate vocabulary piece ${JSON.stringify(p)}`);
    seen.add(p);
    tokens.push(p);
    types.push(TOKEN_NORMAL);
  }
  return { tokens, types, bos: 1, eos: 4, unk: 0, byteBase };
}

export interface LlamaShape {
  embedding: number;
  layers: number;
  feedForward: number;
  heads: number;
  contextLength: number;
}

/** Deterministic PRNG (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** IEEE 754 binary16 bits of a number (round to nearest even). */
export function toHalf(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    const half = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rem > mid || (rem === mid && half & 1) ? 1 : 0));
  }
  const half = sign | (exp << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  return half + (rem > 0x1000 || (rem === 0x1000 && half & 1) ? 1 : 0);
}

function tensor(name: string, dims: number[], values: Float32Array, type: number): TensorEntry {
  if (type === GGML_F32) return { name, dims, type, data: Buffer.from(values.buffer, values.byteOffset, values.byteLength) };
  const data = Buffer.alloc(values.length * 2);
  for (let i = 0; i < values.length; i++) data.writeUInt16LE(toHalf(values[i]!), i * 2);
  return { name, dims, type, data };
}

interface Weights {
  /** [n_vocab][n_embd], row-major by token. */
  tokenEmbedding: Float32Array;
  /** [n_vocab][n_embd]: row v scores token v. */
  output: Float32Array;
  /** Fills per-layer matrices (q, k, v, o, gate, up, down). */
  layer: (name: string, size: number) => Float32Array;
  type: number;
}

function assemble(name: string, vocab: Vocabulary, shape: LlamaShape, w: Weights): Buffer {
  const { embedding: e, feedForward: ff, layers, heads } = shape;
  const n = vocab.tokens.length;
  const metadata: MetaEntry[] = [
    meta.str('general.architecture', 'llama'),
    meta.str('general.name', name),
    meta.u32('general.alignment', 32),
    meta.u32('general.file_type', w.type === GGML_F32 ? 0 : 1),
    meta.u32('llama.context_length', shape.contextLength),
    meta.u32('llama.embedding_length', e),
    meta.u32('llama.block_count', layers),
    meta.u32('llama.feed_forward_length', ff),
    meta.u32('llama.attention.head_count', heads),
    meta.u32('llama.attention.head_count_kv', heads),
    meta.f32('llama.attention.layer_norm_rms_epsilon', 1e-5),
    meta.u32('llama.rope.dimension_count', e / heads),
    meta.f32('llama.rope.freq_base', 10000),
    meta.u32('llama.vocab_size', n),
    meta.str('tokenizer.ggml.model', 'llama'),
    meta.strs('tokenizer.ggml.tokens', vocab.tokens),
    meta.f32s('tokenizer.ggml.scores', vocab.tokens.map((_, i) => -i)),
    meta.i32s('tokenizer.ggml.token_type', vocab.types),
    meta.u32('tokenizer.ggml.bos_token_id', vocab.bos),
    meta.u32('tokenizer.ggml.eos_token_id', vocab.eos),
    meta.u32('tokenizer.ggml.unknown_token_id', vocab.unk),
    { key: 'tokenizer.ggml.add_bos_token', type: GgufValueType.BOOL, value: false },
    meta.str('tokenizer.chat_template', CHATML_TEMPLATE),
  ];
  const ones = new Float32Array(e).fill(1);
  const tensors: TensorEntry[] = [
    tensor('token_embd.weight', [e, n], w.tokenEmbedding, w.type),
    tensor('output_norm.weight', [e], ones, GGML_F32),
    tensor('output.weight', [e, n], w.output, w.type),
  ];
  for (let l = 0; l < layers; l++) {
    const p = `blk.${l}`;
    tensors.push(
      tensor(`${p}.attn_norm.weight`, [e], ones, GGML_F32),
      tensor(`${p}.attn_q.weight`, [e, e], w.layer('attn_q', e * e), w.type),
      tensor(`${p}.attn_k.weight`, [e, e], w.layer('attn_k', e * e), w.type),
      tensor(`${p}.attn_v.weight`, [e, e], w.layer('attn_v', e * e), w.type),
      tensor(`${p}.attn_output.weight`, [e, e], w.layer('attn_output', e * e), w.type),
      tensor(`${p}.ffn_norm.weight`, [e], ones, GGML_F32),
      tensor(`${p}.ffn_gate.weight`, [e, ff], w.layer('ffn_gate', e * ff), w.type),
      tensor(`${p}.ffn_up.weight`, [e, ff], w.layer('ffn_up', e * ff), w.type),
      tensor(`${p}.ffn_down.weight`, [ff, e], w.layer('ffn_down', ff * e), w.type),
    );
  }
  return writeGguf(metadata, tensors);
}

/** A model of the given shape with seeded random weights: same seed, same bytes. */
export function randomLlamaModel(opts: { seed: number; shape: LlamaShape; pieces?: string[]; f16?: boolean }): Buffer {
  const rand = seededRandom(opts.seed);
  const vocab = buildVocabulary(opts.pieces ?? []);
  const fill = (size: number, scale: number) => Float32Array.from({ length: size }, () => (rand() * 2 - 1) * scale);
  const e = opts.shape.embedding;
  const n = vocab.tokens.length;
  return assemble(`random-${opts.seed}`, vocab, opts.shape, {
    tokenEmbedding: fill(n * e, 1),
    output: fill(n * e, 1 / Math.sqrt(e)),
    layer: (_name, size) => fill(size, 1 / Math.sqrt(e)),
    type: opts.f16 ? GGML_F16 : GGML_F32,
  });
}

/**
 * A model whose greedy continuation is fixed by a table: after token `from`, emit `to`.
 * Every token not in the table continues with `fallback`. Layers are zero, so the residual
 * stream is the current token's one-hot embedding and the output matrix reads the table.
 */
export function tableLlamaModel(opts: {
  name: string;
  vocab: Vocabulary;
  next: Map<number, number>;
  fallback: number;
  contextLength: number;
  /** Logit of the chosen token over every other (which get 0). */
  margin?: number;
  /** After `from`, a second token close behind the chosen one: its logit (below `margin`), for tests of sampling penalties. */
  runnerUp?: Map<number, { token: number; logit: number }>;
}): Buffer {
  const states = [...opts.next.keys()];
  // One embedding direction per table entry plus one shared by every other token.
  const e = Math.max(64, Math.ceil((states.length + 1) / 32) * 32);
  const n = opts.vocab.tokens.length;
  const dirOf = new Map(states.map((t, i) => [t, i + 1]));
  const tokenEmbedding = new Float32Array(n * e);
  for (let t = 0; t < n; t++) tokenEmbedding[t * e + (dirOf.get(t) ?? 0)] = 1;
  // RMS norm scales a one-hot vector to sqrt(e); divide it out so logits equal the margin.
  const weight = (opts.margin ?? 40) / Math.sqrt(e);
  const output = new Float32Array(n * e);
  output[opts.fallback * e + 0] = weight;
  for (const [from, to] of opts.next) output[to * e + dirOf.get(from)!] = weight;
  for (const [from, { token, logit }] of opts.runnerUp ?? []) {
    const dir = dirOf.get(from);
    if (dir === undefined || token === opts.next.get(from) || !(logit < (opts.margin ?? 40))) throw new Error(`runnerUp after token ${from}: it needs an entry in next, another token than that entry's, and a logit below the margin`);
    output[token * e + dir] = logit / Math.sqrt(e);
  }
  return assemble(opts.name, opts.vocab, { embedding: e, layers: 1, feedForward: e, heads: 4, contextLength: opts.contextLength }, {
    tokenEmbedding,
    output,
    layer: (_name, size) => new Float32Array(size),
    type: GGML_F32,
  });
}
