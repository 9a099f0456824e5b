// Local GGUF models run in-process with node-llama-cpp, one engine per model. Before loading,
// the service runs the GGUF library's pre-flight over all its local models (gguf/preflight.ts:
// each file's sha256 against the config, and weights + KV cache of all of them against the
// memory limit) and hands each engine its verified file. The context holds `sequences`
// sequences, so concurrent requests decode together; more wait in the model's own bounded
// queue. Each request is planned before it queues (prepare): the prompt is measured
// against the context (token-budget.ts) and its grammar compiled, so a bad request is a 400
// before any answer starts; then LlamaChat generates with the request's sampling, stop
// sequences, grammar and functions, and tool calls come back in OpenAI's shape.
// A sequence keeps what it evaluated after its answer: the next request on it evaluates only
// where its prompt departs from those tokens (LlamaChat keeps the common prefix), and a request
// takes the free sequence that shares the longest prefix with its prompt — the same system
// prompt, or the previous turns of a conversation, are not evaluated again.
// Threads: node-llama-cpp decodes on libuv's pool, so the process must start with
// UV_THREADPOOL_SIZE=1 (npm start, the image and the rendered Deployment set it) and explicit
// threads, or the pool fights llama.cpp's threads (measured: docs/performance.md,
// bench:inference). `threads` comes from the service config (the model's setting, else its
// share of the CPU limit: contract/models.ts, modelThreads). The CPU backend compiled on this
// machine runs where there is one (cpu-backend.ts); the 'model loaded' line says which.
import type { ChatHistoryItem, ChatModelFunctions, ChatWrapper, Llama, LlamaChat as Chat, LlamaChatResponse, LlamaContext, LlamaContextSequence, LlamaGrammar, LlamaModel, Token } from 'node-llama-cpp';
import type { LocalServedModel } from '../../../contract/models.js';
import { UserError } from '../../../contract/run-main.js';
import type { ModelInspection } from '../../../gguf/inspect.js';
import { preflight, PreflightRefusal, type PreflightModel, type PreflightResult } from '../../../gguf/preflight.js';
import { ApiError } from '../errors.js';
import { newToolCallId, type FinishReason, type ToolCall } from '../openai-wire.js';
import type { Logger } from '../telemetry/logger.js';
import { describeCpuBackend, planCpuBackend, registerCpuBackend, type CpuBackendPlan } from './cpu-backend.js';
import { DecodeLoop, type DecodeStats } from './decode-loop.js';
import { chatHistory, forcedCall, llamaFunctions, toGrammarSchema, withInstruction } from './llama-request.js';
import { Slots } from './slots.js';
import { completionBudget, countTokensInPieces } from './token-budget.js';
import type { ChatEngine, ChatRequest, ChatResult, Readiness } from './types.js';

/** A model the service refuses to load: the process exits 1 with this line. */
export class ModelLoadError extends UserError {}

/** The GGUF library's pre-flight, with its refusal as the service's: verified and fitting together, or refused. */
export async function verifyModels(models: PreflightModel[], sequences: number, limitBytes: number): Promise<PreflightResult> {
  try {
    return await preflight(models, sequences, limitBytes);
  } catch (e) {
    if (e instanceof PreflightRefusal) throw new ModelLoadError(e.message);
    throw e;
  }
}

/** What one local engine serves: the model, where its file is read from, and its share of the machine. */
export interface LocalModelSettings {
  model: LocalServedModel;
  path: string;
  threads: number;
  sequences: number;
}

/** How a request will run: worked out before it queues, so its errors come before any answer. */
interface Plan {
  history: ChatHistoryItem[];
  /** The prompt exactly as the model will read it (chat template, functions): usage counts it, and it picks the sequence. */
  prompt: Token[];
  maxTokens: number;
  grammar?: LlamaGrammar;
  /** Functions the model may call (tool_choice auto). */
  functions?: ChatModelFunctions;
  /** A forced tool call: the grammar generates its arguments (`tool` named) or `{name, arguments}`. */
  forced?: { tool?: string };
}

/** The context would have to be shifted, dropping part of the prompt: never done silently. */
class ContextFull extends Error {}

/** Compiled grammars by their schema: clients repeat their schemas, and compiling one takes a while. */
const GRAMMAR_CACHE_SIZE = 32;

/** node-llama-cpp, its llama, and which CPU backend that runs (for the 'model loaded' line). */
interface Binding {
  m: typeof import('node-llama-cpp');
  llama: Llama;
  cpuBackend: string;
}

interface Runtime {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  slots: Slots<LlamaContextSequence>;
  decodeLoop: DecodeLoop;
  wrapper: ChatWrapper;
  LlamaChat: typeof Chat;
}

export class LocalEngine implements ChatEngine {
  readonly source = 'local' as const;
  private state: Readiness = { ready: false, reason: 'model loading' };
  private runtime?: Runtime;
  private readonly plans = new WeakMap<ChatRequest, Plan>();
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();

  readonly modelId: string;

  constructor(
    private readonly settings: LocalModelSettings,
    private readonly log: Logger,
  ) {
    this.modelId = settings.model.id;
  }

  private llama?: Promise<Binding>;

  /**
   * node-llama-cpp and its binary: getLlama tests the prebuilt binary in a child process (~1 s
   * on Linux), so the service starts this while the pre-flight hashes the files. Nothing is
   * loaded into memory until the pre-flight has passed.
   */
  binding(): Promise<Binding> {
    const gpu = (this.settings.model.gpuLayers ?? 0) > 0;
    this.llama ??= (async () => {
      // The CPU backend compiled on this machine, where there is one (cpu-backend.ts says why).
      let cpu: CpuBackendPlan = { use: 'prebuilt', why: 'gpuLayers above 0' };
      if (!gpu) {
        try {
          cpu = registerCpuBackend(planCpuBackend());
        } catch (e) {
          throw e instanceof UserError ? new ModelLoadError(e.message) : e;
        }
      }
      const m = await import('node-llama-cpp');
      const llama = await m.getLlama({ gpu: gpu ? 'auto' : false, maxThreads: this.settings.threads, logLevel: m.LlamaLogLevel.error });
      return { m, llama, cpuBackend: describeCpuBackend(cpu) };
    })();
    return this.llama;
  }

  /** Loads the model from its pre-flighted file (verifyModels); rejects with a ModelLoadError the operator can act on. */
  async load(file: ModelInspection): Promise<void> {
    const { model, path, threads, sequences } = this.settings;
    const started = Date.now();
    const gpu = (model.gpuLayers ?? 0) > 0;
    this.log.info('model verified', { model: this.modelId, path, sha256: model.sha256, arch: file.shape.architecture, layers: file.shape.layers, embedding: file.shape.embedding, tensors: file.header.tensors.length });
    const { m, llama, cpuBackend } = await this.binding();
    const loaded = await llama.loadModel({ modelPath: path, gpuLayers: gpu ? model.gpuLayers! : 0 });
    const context = await loaded.createContext({ contextSize: model.contextSize, sequences, threads });
    // Sampled one sequence at a time, and every sequence in every batch (decode-loop.ts says why).
    const decodeLoop = new DecodeLoop(context);
    const slots = new Slots(
      Array.from({ length: sequences }, () => decodeLoop.adopt(context.getSequence())),
      sequences * 4,
    );
    this.runtime = { llama, model: loaded, context, slots, decodeLoop, wrapper: m.resolveChatWrapper(loaded), LlamaChat: m.LlamaChat };
    this.state = { ready: true };
    this.log.info('model loaded', { model: this.modelId, ms: Date.now() - started, threads, sequences, contextSize: model.contextSize, chatWrapper: this.runtime.wrapper.wrapperName, uvThreadpool: process.env.UV_THREADPOOL_SIZE ?? 'default', cpuBackend });
  }

  fail(reason: string): void {
    this.state = { ready: false, reason };
  }

  async readiness(): Promise<Readiness> {
    return this.state;
  }

  queueDepth(): number {
    return this.runtime?.slots.depth ?? 0;
  }

  busySequences(): number {
    return this.runtime?.slots.busy ?? 0;
  }

  decodeStats(): DecodeStats | undefined {
    return this.runtime?.decodeLoop.stats();
  }

  private ready(): Runtime {
    if (!this.state.ready || !this.runtime) throw new ApiError('model_not_ready', { reason: this.state.reason ?? 'unknown' });
    return this.runtime;
  }

  checkCapacity(): void {
    this.ready().slots.checkCapacity();
  }

  async prepare(req: ChatRequest): Promise<void> {
    this.plans.set(req, await this.plan(req));
  }

  private grammar(key: string, make: () => Promise<LlamaGrammar>): Promise<LlamaGrammar> {
    let g = this.grammars.get(key);
    if (!g) {
      if (this.grammars.size >= GRAMMAR_CACHE_SIZE) this.grammars.delete(this.grammars.keys().next().value!);
      g = make();
      this.grammars.set(key, g);
      g.catch(() => this.grammars.delete(key));
    }
    return g;
  }

  private async schemaGrammar(schema: object, param: string): Promise<LlamaGrammar> {
    const { llama } = this.ready();
    return this.grammar(JSON.stringify(schema), () =>
      llama.createGrammarForJsonSchema(schema as never).catch((e: Error) => {
        throw new ApiError('invalid_field', { param, problem: `the schema cannot be turned into a grammar: ${e.message}` });
      }),
    );
  }

  /** The prompt against the context, then the grammar: everything that can refuse a request. */
  private async plan(req: ChatRequest): Promise<Plan> {
    const { model, context, wrapper, llama } = this.ready();
    const forced = forcedCall(req.tools, req.toolChoice);
    const functions = req.toolChoice === 'auto' && req.tools.length ? llamaFunctions(req.tools) : undefined;
    const history = forced ? withInstruction(chatHistory(req.messages), forced.instruction) : chatHistory(req.messages);

    // Counted in pieces first: a prompt far over the context is refused without tokenising it whole.
    const texts = req.messages.flatMap((m) => [m.content, ...(m.role === 'assistant' ? (m.toolCalls ?? []).map((c) => c.function.arguments) : [])]);
    if (functions) texts.push(JSON.stringify(functions));
    if (forced) texts.push(forced.instruction);
    const tokenize = (text: string) => model.tokenize(text).length;
    const estimate = await countTokensInPieces(texts, tokenize);
    const budget = { context: context.contextSize, maxTokens: req.maxTokens, maxTokensAsked: req.maxTokensAsked };
    // Far over the context (even allowing for the pieces' error): refused on the estimate.
    if (estimate > 2 * context.contextSize) completionBudget({ ...budget, prompt: estimate, approximate: true });
    const prompt = wrapper.generateContextState({ chatHistory: history, ...(functions ? { availableFunctions: functions } : {}), documentFunctionParams: true }).contextText.tokenize(model.tokenizer);
    const maxTokens = completionBudget({ ...budget, prompt: prompt.length, approximate: false });

    // llama.cpp constrains a response with a grammar or lets the model call functions, not both.
    if (functions && req.responseFormat)
      throw new ApiError('unsupported_field', { param: 'response_format', why: 'a local model cannot combine a response format with tools it may call (tool_choice "auto"): send tool_choice "required" or "none", or no response_format' });
    let grammar: LlamaGrammar | undefined;
    if (forced) grammar = await this.schemaGrammar(forced.schema, 'tools');
    else if (req.responseFormat?.type === 'json_schema') grammar = await this.schemaGrammar(toGrammarSchema(req.responseFormat.schema, 'response_format.json_schema.schema'), 'response_format.json_schema.schema');
    else if (req.responseFormat?.type === 'json_object') grammar = await this.grammar('json', () => llama.getGrammarFor('json'));
    return { history, prompt, maxTokens, ...(grammar ? { grammar } : {}), ...(functions ? { functions } : {}), ...(forced ? { forced: { ...(forced.tool ? { tool: forced.tool } : {}) } } : {}) };
  }

  async chat(req: ChatRequest, onDelta?: (text: string) => void, onStart?: () => void): Promise<ChatResult> {
    const { slots, wrapper, LlamaChat, model } = this.ready();
    const prepared = this.plans.get(req);
    // This model answers from here: it queues (pings keep a stream alive), then decodes.
    onStart?.();
    const seq = await slots.acquire(req.signal, prepared && ((s) => s.compareContextTokens(prepared.prompt).firstDifferentIndex));
    const chat = new LlamaChat({ contextSequence: seq, chatWrapper: wrapper, autoDisposeSequence: false });
    try {
      const plan = prepared ?? (await this.plan(req));
      const outputBefore = seq.tokenMeter.usedOutputTokens;
      // The prompt's last token is evaluated again however much is held: its logits start the answer.
      const cached = Math.min(seq.compareContextTokens(plan.prompt).firstDifferentIndex, plan.prompt.length - 1);
      // Zero penalties are none (OpenAI's defaults).
      const penalties = Boolean(req.frequencyPenalty) || Boolean(req.presencePenalty);
      // A grammar (a response format, a forced call) or functions (tool_choice auto): never both.
      const constrain = plan.functions
        ? { functions: plan.functions, documentFunctionParams: true, ...(req.parallelToolCalls ? {} : { maxParallelFunctionCalls: 1 }) }
        : plan.grammar
          ? { grammar: plan.grammar }
          : {};
      const lead = prefillLead(model, plan.history);
      const text = onDelta && !plan.forced ? (chunk: string) => onDelta(lead.apply(chunk)) : undefined;
      const r: LlamaChatResponse<ChatModelFunctions> = await chat.generateResponse(plan.history, {
        ...constrain,
        maxTokens: plan.maxTokens,
        temperature: req.temperature,
        ...(req.topP !== undefined ? { topP: req.topP } : {}),
        ...(req.seed !== undefined ? { seed: req.seed >>> 0 } : {}),
        // OpenAI's penalties only: node-llama-cpp's own repeat penalty stays 1 (off), as OpenAI and llama-server default.
        // Without either, none: LlamaChat would otherwise collect the last 64 tokens at every token for a sampler that is never made.
        repeatPenalty: penalties ? { frequencyPenalty: req.frequencyPenalty ?? 0, presencePenalty: req.presencePenalty ?? 0 } : false,
        ...(req.stop.length ? { customStopTriggers: req.stop } : {}),
        signal: req.signal,
        stopOnAbortSignal: true,
        onToken: lead.onToken,
        ...(text ? { onTextChunk: text } : {}),
        contextShift: {
          strategy: () => {
            throw new ContextFull();
          },
        },
      });
      // The whole prompt, however much of it the sequence already held. Each generated token but
      // the last is evaluated with its logits, and so is the prompt's last token: the completion.
      const prompt = plan.prompt.length;
      const completion = seq.tokenMeter.usedOutputTokens - outputBefore;
      const usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cached } };
      const cut: FinishReason = r.metadata.stopReason === 'maxTokens' ? 'length' : 'stop';
      if (plan.forced) return { ...forcedCallResult(r.response, plan.forced.tool, cut), usage };
      const calls = r.functionCalls ?? [];
      if (calls.length > 0) {
        const toolCalls: ToolCall[] = calls.map((c) => ({ id: newToolCallId(), type: 'function', function: { name: c.functionName, arguments: JSON.stringify(c.params ?? {}) } }));
        return { content: r.response || null, toolCalls, finishReason: 'tool_calls', usage };
      }
      return { content: lead.apply(r.response, true), finishReason: cut, usage };
    } catch (e) {
      if (e instanceof ContextFull) throw new ApiError('context_length_exceeded', { context: seq.contextSize, prompt: seq.nextTokenIndex, approximate: false });
      throw e;
    } finally {
      // The sequence keeps its tokens for the next request (see the top of this file).
      chat.dispose({ disposeSequence: false });
      slots.release(seq);
    }
  }

  async close(): Promise<void> {
    await this.runtime?.context.dispose();
    await this.runtime?.model.dispose();
  }
}

/**
 * The space a continued assistant message (a prefill) needs before its continuation.
 * node-llama-cpp detokenises the first generated token as the start of a text, and SentencePiece
 * drops a word-start space there ("Hello! I am" + "smartbot"); detokenised after the prefill's
 * own tokens, the space is kept. `apply` puts it before the first chunk (and the final text).
 */
function prefillLead(model: LlamaModel, history: ChatHistoryItem[]) {
  const last = history.at(-1);
  const prefill = last?.type === 'model' ? last.response.filter((r): r is string => typeof r === 'string').join('') : '';
  const first: number[] = [];
  let lead: string | undefined;
  const resolve = () => {
    if (lead !== undefined || first.length === 0) return lead ?? '';
    const alone = model.detokenize(first as never);
    const inContext = model.detokenize(first as never, false, model.tokenize(prefill.slice(-64)));
    lead = inContext.endsWith(alone) ? inContext.slice(0, inContext.length - alone.length) : '';
    return lead;
  };
  let applied = false;
  return {
    onToken: (tokens: readonly number[]) => {
      if (prefill && !/\s$/.test(prefill) && first.length === 0) first.push(...tokens);
    },
    /** The first chunk gets the space; `whole` is the final text, which gets it too. */
    apply: (text: string, whole = false): string => {
      const space = resolve();
      if (!space || (applied && !whole) || text.startsWith(space)) return text;
      applied = true;
      return space + text;
    },
  };
}

/** A forced call's generated JSON as OpenAI's tool_calls; arguments cut short by max_tokens stay as they are, with finish_reason "length". */
function forcedCallResult(text: string, tool: string | undefined, cut: FinishReason): Omit<ChatResult, 'usage'> {
  let name = tool ?? '';
  let args = text;
  try {
    const parsed = JSON.parse(text) as { name: string; arguments: unknown };
    if (tool) args = JSON.stringify(parsed);
    else (name = parsed.name), (args = JSON.stringify(parsed.arguments));
  } catch {
    // Cut by max_tokens: the arguments are incomplete, and finish_reason says so.
  }
  return { content: null, toolCalls: [{ id: newToolCallId(), type: 'function', function: { name, arguments: args } }], finishReason: cut === 'length' ? 'length' : 'tool_calls' };
}
