// The node-llama-cpp probe doctor runs in a child process: libuv reads UV_THREADPOOL_SIZE only
// at process start, and node-llama-cpp crawls unless it is 1 and the threads are explicit
// (bench/inference), so the parent starts this with UV_THREADPOOL_SIZE=1 and the configured
// threads. It loads the native binary, then (given a model) the model and a context like the
// service's, timing each, and prints one JSON line; it never builds from source.
import { isEntry } from '../../contract/run-main.js';

export interface ProbeRequest {
  modelPath?: string;
  gpuLayers: number;
  threads: number;
  contextSize: number;
  sequences: number;
}

export interface ProbeResult {
  binary?: { gpu: string | false; buildType: string; devices: string[]; ms: number };
  load?: { ms: number };
  error?: { stage: 'binary' | 'load'; message: string };
}

export async function probe(req: ProbeRequest): Promise<ProbeResult> {
  const out: ProbeResult = {};
  const started = performance.now();
  let llama;
  try {
    const m = await import('node-llama-cpp');
    // The engine asks for a GPU only when layers are to be offloaded; so does the probe.
    llama = await m.getLlama({ gpu: req.gpuLayers > 0 ? 'auto' : false, build: 'never', maxThreads: req.threads, logLevel: m.LlamaLogLevel.error });
    out.binary = { gpu: llama.gpu, buildType: llama.buildType, devices: llama.gpu ? await llama.getGpuDeviceNames() : [], ms: Math.round(performance.now() - started) };
  } catch (e) {
    return { error: { stage: 'binary', message: (e as Error).message.split('\n')[0]! } };
  }
  if (req.modelPath) {
    const t = performance.now();
    try {
      const model = await llama.loadModel({ modelPath: req.modelPath, gpuLayers: req.gpuLayers });
      const context = await model.createContext({ contextSize: req.contextSize, sequences: req.sequences, threads: req.threads });
      out.load = { ms: Math.round(performance.now() - t) };
      await context.dispose();
      await model.dispose();
    } catch (e) {
      out.error = { stage: 'load', message: (e as Error).message.split('\n')[0]! };
    }
  }
  await llama.dispose();
  return out;
}

if (isEntry(import.meta.url)) {
  probe(JSON.parse(process.argv[2]!) as ProbeRequest).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (e: unknown) => process.stdout.write(`${JSON.stringify({ error: { stage: 'binary', message: String((e as Error).message) } })}\n`),
  );
}
