// Local GGUF models run in-process with node-llama-cpp. Before loading: the file's sha256 must
// match the config, and weights + KV cache must fit the memory limit. The context holds
// `parallelSequences` sequences, so concurrent requests decode together; more wait in a
// bounded queue.
// Threads: node-llama-cpp decodes on libuv's pool, so the process must start with
// UV_THREADPOOL_SIZE=1 (npm start, the image and the rendered Deployment set it) and explicit
// threads, or the pool fights llama.cpp's threads (measured: README, "Performance",
// bench:inference). `threads` comes from the service config (the model's setting, else the CPU
// limit).
import { formatBytes } from '../../../gguf/bytes.js';
import type { LlamaChatSession as Session, LlamaContext, LlamaContextSequence, LlamaModel } from 'node-llama-cpp';
import type { LocalModel } from '../../../contract/environment.js';
import { UserError } from '../../../contract/run-main.js';
import { fitReport } from '../../../gguf/fit.js';
import { inspectModel, ModelFileError } from '../../../gguf/inspect.js';
import type { ServiceConfig } from '../config.js';
import { ApiError } from '../errors.js';
import type { Logger } from '../telemetry/logger.js';
import { Slots } from './slots.js';
import type { ChatEngine, ChatRequest, ChatResult, Readiness } from './types.js';

/** A model the engine refuses to load: the process exits 1 with this line. */
export class ModelLoadError extends UserError {}

/** The GGUF library's pre-flight, in the service config's terms: verified and fitting, or refused. */
export async function preflight(path: string, model: LocalModel, config: Pick<ServiceConfig, 'inference' | 'limits'>) {
  let file;
  try {
    file = await inspectModel(path);
  } catch (e) {
    if (e instanceof ModelFileError) throw new ModelLoadError(`cannot read model ${e.message}`);
    throw e;
  }
  if (file.sha256 !== model.sha256) throw new ModelLoadError(`model file corrupt: expected ${model.sha256} got ${file.sha256} (${path})`);
  const fit = fitReport(
    { weightsBytes: file.sizeBytes, shape: file.shape, contextSize: model.contextSize, sequences: config.inference.parallelSequences, limitBytes: config.limits.memoryBytes },
    { contextSize: 'model.contextSize', sequences: 'inference.parallelSequences', memory: 'resources.memory' },
  );
  if (!fit.fits) throw new ModelLoadError(`model does not fit: it needs ${formatBytes(fit.need)} (${fit.breakdown}) but only ${formatBytes(fit.usable)} of the ${formatBytes(config.limits.memoryBytes)} limit is usable. ${fit.advice}`);
  return { header: file.header, shape: file.shape, memory: fit };
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
    private readonly config: ServiceConfig,
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
    if (!this.state.ready || !this.slots || !this.SessionClass) throw new ApiError('model_not_ready', { reason: this.state.reason ?? 'unknown' });
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
