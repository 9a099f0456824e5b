// Local GGUF models run in-process with node-llama-cpp. Before loading: the file's sha256 must
// match the config, and weights + KV cache must fit the memory limit. The context holds
// `parallelSequences` sequences, so concurrent requests decode together; more wait in a
// bounded queue.
// Threads: on the 2-vCPU reference machine the prebuilt binary's default (4 threads) collapses
// to ~1 token/s; with UV_THREADPOOL_SIZE=1 in the environment (set by npm start, the image and
// the rendered Deployment) 1–2 explicit threads give 200–300 tokens/s. `threads` comes from the
// runtime config (the model's setting, else the CPU limit).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { LlamaChatSession as Session, LlamaContext, LlamaContextSequence, LlamaModel } from 'node-llama-cpp';
import { estimateMemory } from '../../../generators/gguf/capacity.js';
import { modelShape, readGgufHeader } from '../../../generators/gguf/read.js';
import type { LocalModel } from '../../../generators/model/environment.js';
import type { RuntimeConfig } from '../config.js';
import { ApiError } from '../errors.js';
import type { Logger } from '../telemetry/logger.js';
import { Slots } from './slots.js';
import type { ChatEngine, ChatRequest, ChatResult, Readiness } from './types.js';

const fmt = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

export class ModelLoadError extends Error {}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Verifies the file and its fit before anything is loaded; returns the metadata it read. */
export async function preflight(path: string, model: LocalModel, config: Pick<RuntimeConfig, 'inference' | 'limits'>) {
  let header;
  try {
    header = readGgufHeader(path);
  } catch (e) {
    throw new ModelLoadError(`cannot read model ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const got = await sha256File(path);
  if (got !== model.sha256) throw new ModelLoadError(`model file corrupt: expected ${model.sha256} got ${got} (${path})`);
  const shape = modelShape(header);
  const m = estimateMemory({ weightsBytes: header.fileSize, shape, contextSize: model.contextSize, sequences: config.inference.parallelSequences, limitBytes: config.limits.memoryBytes });
  if (!m.fits)
    throw new ModelLoadError(
      `model needs ${fmt(m.need)} (weights ${fmt(m.weights)} + KV cache ${fmt(m.kvCache)} + runtime ${fmt(m.runtime)}) but only ${fmt(m.usable)} of the ${fmt(config.limits.memoryBytes)} limit is usable: lower model.contextSize, inference.maxTokens or inference.parallelSequences, or raise resources.memory`,
    );
  return { header, shape, memory: m };
}

export class LocalEngine implements ChatEngine {
  readonly source = 'local' as const;
  private state: Readiness = { ready: false, reason: 'model loading' };
  private model?: LlamaModel;
  private context?: LlamaContext;
  private slots?: Slots<LlamaContextSequence>;
  private SessionClass?: typeof Session;

  constructor(
    readonly modelId: string,
    private readonly path: string,
    private readonly config: RuntimeConfig,
    private readonly log: Logger,
    private readonly onDepth: (depth: number) => void,
  ) {}

  /** Loads the model; rejects with a ModelLoadError the operator can act on. */
  async load(): Promise<void> {
    const model = this.config.model as LocalModel;
    const started = Date.now();
    const threads = this.config.threads;
    const gpu = (model.gpuLayers ?? 0) > 0;
    // getLlama tests the prebuilt binary in a child process (~1 s on Linux): overlap it with
    // hashing the file. Nothing is loaded into memory until the preflight has passed.
    const runtime = import('node-llama-cpp').then(async (m) => ({ m, llama: await m.getLlama({ gpu: gpu ? 'auto' : false, maxThreads: threads, logLevel: m.LlamaLogLevel.error }) }));
    runtime.catch(() => {}); // a failed preflight wins; this rejection is then moot
    const { header, shape, memory } = await preflight(this.path, model, this.config);
    this.log.info('model verified', { path: this.path, sha256: model.sha256, arch: shape.architecture, layers: shape.layers, embedding: shape.embedding, tensors: header.tensors.length, needBytes: memory.need });
    const {
      m: { LlamaChatSession },
      llama,
    } = await runtime;
    this.model = await llama.loadModel({ modelPath: this.path, gpuLayers: gpu ? model.gpuLayers! : 0 });
    const sequences = this.config.inference.parallelSequences;
    this.context = await this.model.createContext({ contextSize: model.contextSize, sequences, threads });
    this.slots = new Slots(
      Array.from({ length: sequences }, () => this.context!.getSequence()),
      sequences * 4,
      this.onDepth,
    );
    this.SessionClass = LlamaChatSession;
    this.state = { ready: true };
    this.log.info('model loaded', { ms: Date.now() - started, threads, sequences, contextSize: model.contextSize, uvThreadpool: process.env.UV_THREADPOOL_SIZE ?? 'default' });
  }

  fail(reason: string): void {
    this.state = { ready: false, reason };
  }

  async readiness(): Promise<Readiness> {
    return this.state;
  }

  queueDepth(): number {
    return this.slots?.depth ?? 0;
  }

  async chat(req: ChatRequest, onDelta?: (text: string) => void): Promise<ChatResult> {
    if (!this.state.ready || !this.slots || !this.SessionClass) throw new ApiError('model_not_ready', `The model is not ready: ${this.state.reason}.`);
    const last = req.messages.at(-1)!;
    const seq = await this.slots.acquire(req.signal);
    const session = new this.SessionClass({ contextSequence: seq, autoDisposeSequence: false });
    try {
      session.setChatHistory(
        req.messages.slice(0, -1).map((m) =>
          m.role === 'system' ? { type: 'system' as const, text: m.content } : m.role === 'user' ? { type: 'user' as const, text: m.content } : { type: 'model' as const, response: [m.content] },
        ),
      );
      const before = { input: seq.tokenMeter.usedInputTokens, output: seq.tokenMeter.usedOutputTokens };
      const r = await session.promptWithMeta(last.content, {
        temperature: req.temperature,
        maxTokens: req.maxTokens,
        signal: req.signal,
        stopOnAbortSignal: true,
        ...(onDelta ? { onTextChunk: onDelta } : {}),
      });
      const prompt = seq.tokenMeter.usedInputTokens - before.input;
      const completion = seq.tokenMeter.usedOutputTokens - before.output;
      return {
        content: r.responseText,
        finishReason: r.stopReason === 'maxTokens' ? 'length' : 'stop',
        usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
      };
    } finally {
      session.dispose({ disposeSequence: false });
      await seq.clearHistory();
      this.slots.release(seq);
    }
  }

  async close(): Promise<void> {
    await this.context?.dispose();
    await this.model?.dispose();
  }
}
