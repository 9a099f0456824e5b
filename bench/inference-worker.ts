// One measurement for bench/inference and bench/service: load a model with `threads`, decode up
// to N tokens on each of `sequences` sequences (greedy), print {tokensPerSecond, loadMs} as JSON.
// With a chat prompt (6th argument) each sequence evaluates exactly the tokens the service does
// for that one user message (the model's chat template around it), so the two compare; the 7th
// argument is the context per sequence (default 512).
// Runs in its own process because UV_THREADPOOL_SIZE only counts at process start.
import { getLlama, LlamaLogLevel, resolveChatWrapper } from 'node-llama-cpp';

const [modelPath, threadsArg, sequencesArg, tokensArg, secondsArg, chatPrompt, contextArg] = process.argv.slice(2);
const threads = Number(threadsArg);
const sequences = Number(sequencesArg);
const maxTokens = Number(tokensArg);
const limitMs = Number(secondsArg) * 1000;

const t0 = performance.now();
const llama = await getLlama({ gpu: false, maxThreads: threads, logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: modelPath! });
const context = await model.createContext({ contextSize: Number(contextArg ?? 512), sequences, threads });
const loadMs = performance.now() - t0;
const prompt =
  chatPrompt === undefined
    ? model.tokenize('The quick brown fox')
    : resolveChatWrapper(model).generateContextState({ chatHistory: [{ type: 'user', text: chatPrompt }, { type: 'model', response: [] }] }).contextText.tokenize(model.tokenizer);
const start = performance.now();
let total = 0;
await Promise.all(
  Array.from({ length: sequences }, async () => {
    const seq = context.getSequence();
    let n = 0;
    for await (const _token of seq.evaluate(prompt, { temperature: 0 })) {
      n++;
      if (n >= maxTokens || performance.now() - start > limitMs) break;
    }
    total += n;
  }),
);
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify({ tokensPerSecond: total / seconds, tokens: total, loadMs: Math.round(loadMs) }));
await context.dispose();
await model.dispose();
