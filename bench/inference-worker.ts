// One measurement for bench/inference and bench/service: load a model with `threads`, decode up
// to N tokens on each of `sequences` sequences (greedy), print {tokensPerSecond,
// decodeTokensPerSecond, loadMs} as JSON.
// With a chat prompt (6th argument) each sequence evaluates exactly the tokens the service does
// for that one user message (the model's chat template around it), so the two compare; the 7th
// argument is the context per sequence (default 512).
// Timed warm, as the service is: a first pass over the same prompt pays the one-time costs (the
// mapped weights' first reads, the compute graph's first build: ≈ 80 ms of prompt and ≈ 13 ms
// of first token here), which weigh more on one sequence's 128 tokens than on four's.
// decodeTokensPerSecond counts only the tokens after every prompt is evaluated: how a batch of
// N tokens costs against one token, whoever drives the context.
// Runs in its own process because UV_THREADPOOL_SIZE only counts at process start.
import { getLlama, LlamaLogLevel, resolveChatWrapper, type LlamaContextSequence, type Token } from 'node-llama-cpp';

const [modelPath, threadsArg, sequencesArg, tokensArg, secondsArg, chatPrompt, contextArg] = process.argv.slice(2);
const threads = Number(threadsArg);
const sequences = Number(sequencesArg);
const maxTokens = Number(tokensArg);
const limitMs = Number(secondsArg) * 1000;
/** Tokens each sequence decodes in the untimed first pass. */
const WARM_UP_TOKENS = 8;

const t0 = performance.now();
const llama = await getLlama({ gpu: false, maxThreads: threads, logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: modelPath! });
const context = await model.createContext({ contextSize: Number(contextArg ?? 512), sequences, threads });
const loadMs = performance.now() - t0;
const prompt =
  chatPrompt === undefined
    ? model.tokenize('The quick brown fox')
    : resolveChatWrapper(model).generateContextState({ chatHistory: [{ type: 'user', text: chatPrompt }, { type: 'model', response: [] }] }).contextText.tokenize(model.tokenizer);
const seqs = Array.from({ length: sequences }, () => context.getSequence());

/** Every sequence decodes up to `limit` tokens from the prompt at once; when each got its first token, and how many it got. */
async function pass(limit: number, start: number): Promise<{ firstAt: number; n: number }[]> {
  return Promise.all(
    seqs.map(async (seq: LlamaContextSequence) => {
      let n = 0;
      let firstAt = 0;
      for await (const _token of seq.evaluate(prompt as Token[], { temperature: 0 })) {
        if (n++ === 0) firstAt = performance.now();
        if (n >= limit || performance.now() - start > limitMs) break;
      }
      return { firstAt, n };
    }),
  );
}

await pass(WARM_UP_TOKENS, performance.now());
// Each sequence evaluates the whole prompt again, as a new request's does.
for (const seq of seqs) await seq.clearHistory();
const start = performance.now();
const runs = await pass(maxTokens, start);
const end = performance.now();
const total = runs.reduce((a, r) => a + r.n, 0);
// After the last prompt's first token, each sequence's later tokens come one batch at a time.
const decodeFrom = Math.max(...runs.map((r) => r.firstAt));
const decodeTokensPerSecond = (total - runs.length) / ((end - decodeFrom) / 1000);
console.log(JSON.stringify({ tokensPerSecond: total / ((end - start) / 1000), decodeTokensPerSecond, tokens: total, loadMs: Math.round(loadMs) }));
await context.dispose();
await model.dispose();
