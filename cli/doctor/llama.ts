// Runs the node-llama-cpp probe once per doctor run, in a child process started the way the
// service starts (UV_THREADPOOL_SIZE=1, explicit threads), with the model when its file is
// usable. The native-binary and model-load checks read the one result.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelThreads, type LocalServedModel } from '../../contract/models.js';
import type { DoctorContext } from './check.js';
import type { ProbeRequest, ProbeResult } from './llama-probe.js';
import { modelFile, modelFileUsable } from './model-file.js';
import { localModels } from './models.js';

/** A load of a multi-GiB model from a slow disk takes a while; a hang does not get longer than this. */
const PROBE_TIMEOUT_MS = 180_000;

export type LlamaProbe = ProbeResult & {
  crashed?: string;
  request: ProbeRequest;
  /** llama.cpp's own last error line, which says more than node-llama-cpp's "Failed to load model". */
  llamaError?: string;
};

export function nodeLlamaCppVersion(packageRoot: string): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot, 'node_modules/node-llama-cpp/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '(not installed)';
  }
}

/** The probe for one local model, with the threads the service gives it. */
export function llamaProbe(ctx: DoctorContext, model: LocalServedModel): Promise<LlamaProbe> {
  return ctx.once(`llama-probe:${model.id}`, async () => {
    const file = await modelFile(ctx, model);
    const request: ProbeRequest = {
      ...(file.state === 'read' && modelFileUsable(file, model) ? { modelPath: file.path } : {}),
      gpuLayers: model.gpuLayers ?? 0,
      threads: modelThreads(model, ctx.service.threads, localModels(ctx).length),
      contextSize: model.contextSize,
      sequences: ctx.config.inference.parallelSequences,
    };
    const script = join(ctx.host.packageRoot, 'dist/cli/doctor/llama-probe.js');
    if (!existsSync(script)) return { request, crashed: `${script} is missing: build the toolchain (\`npm run build\`)` };
    return new Promise<LlamaProbe>((resolve) => {
      const child = spawn(process.execPath, [script, JSON.stringify(request)], { env: { ...ctx.host.env, UV_THREADPOOL_SIZE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err = (err + d).slice(-2000)));
      const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const llamaError = err
          .split('\n')
          .filter((l) => /error/i.test(l))
          .at(0)
          ?.replace(/^\[node-llama-cpp\]\s*/, '')
          .slice(0, 300);
        try {
          resolve({ request, ...(JSON.parse(out.trim().split('\n').at(-1)!) as ProbeResult), ...(llamaError ? { llamaError } : {}) });
        } catch {
          const last = err.trim().split('\n').at(-1) ?? '';
          resolve({ request, crashed: signal ? `killed by ${signal}${signal === 'SIGKILL' ? ` after ${PROBE_TIMEOUT_MS / 1000} s` : ''}` : `exited ${code}${last ? `: ${last.slice(0, 300)}` : ''}` });
        }
      });
    });
  });
}

export const binaryName = (gpu: string | false) => (gpu === false ? 'CPU' : gpu === 'cuda' ? 'CUDA' : gpu === 'vulkan' ? 'Vulkan' : gpu === 'metal' ? 'Metal' : gpu);
