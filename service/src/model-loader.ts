// /opt/bot/bin/model_loader --path /data/models/<name>.gguf --format gguf
// The deployment guide's loader: verifies the file is readable GGUF, prints its metadata and
// sha256, checks that it fits the memory limit (the container's cgroup limit unless --memory),
// and registers it in the models directory's registry.json. Exit 0 registered, 1 refused, 2 usage.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { estimateMemory } from '../../generators/gguf/capacity.js';
import { GgufError, modelShape, readGgufHeader } from '../../generators/gguf/read.js';
import { sha256File } from './engine/local.js';
import { memoryLimitBytes } from './system.js';

const MiB = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

export async function modelLoader(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        path: { type: 'string' },
        format: { type: 'string', default: 'gguf' },
        'context-size': { type: 'string', default: '2048' },
        sequences: { type: 'string', default: '1' },
        memory: { type: 'string' },
        registry: { type: 'string' },
        json: { type: 'boolean' },
      },
    }));
  } catch (e) {
    out(`model_loader: ${(e as Error).message}\n`);
    return 2;
  }
  const path = values.path;
  if (!path) return out('model_loader: --path is required (e.g. --path /data/models/demo.gguf --format gguf)\n'), 2;
  if (values.format !== 'gguf') return out(`model_loader: unsupported --format ${values.format} (only gguf)\n`), 2;
  if (!path.toLowerCase().endsWith('.gguf')) return out(`model_loader: ${path} does not end in .gguf\n`), 1;

  let header;
  try {
    header = readGgufHeader(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    out(`model_loader: ${path}: ${code === 'ENOENT' ? 'no such file' : e instanceof GgufError ? `not a valid GGUF file: ${e.message}` : (e as Error).message}\n`);
    return 1;
  }
  const shape = modelShape(header);
  const digest = await sha256File(path);
  const contextSize = Number(values['context-size']);
  const sequences = Number(values.sequences);
  const limit = values.memory ? Number(values.memory) : memoryLimitBytes();
  const m = estimateMemory({ weightsBytes: header.fileSize, shape, contextSize, sequences, limitBytes: limit });
  const tokens = header.metadata['tokenizer.ggml.tokens'];
  const info = {
    name: basename(path, '.gguf'),
    path,
    format: 'gguf',
    sha256: digest,
    sizeBytes: header.fileSize,
    ggufVersion: header.version,
    architecture: shape.architecture,
    modelName: header.metadata['general.name'] ?? null,
    layers: shape.layers,
    embedding: shape.embedding,
    heads: shape.heads,
    headsKv: shape.headsKv,
    trainedContext: shape.contextLength,
    vocabulary: typeof tokens === 'object' && tokens !== null && 'arrayLength' in tokens ? tokens.arrayLength : Array.isArray(tokens) ? tokens.length : null,
    tensors: header.tensors.length,
    memory: { needBytes: m.need, usableBytes: m.usable, limitBytes: limit, fits: m.fits },
  };
  if (values.json) out(`${JSON.stringify(info, null, 2)}\n`);
  else
    out(
      [
        `model      ${info.name} (${info.modelName ?? 'unnamed'})`,
        `file       ${path}  ${MiB(info.sizeBytes)}  GGUF v${info.ggufVersion}`,
        `sha256     ${digest}`,
        `shape      ${info.architecture}: ${info.layers} layers, embedding ${info.embedding}, ${info.heads} heads (${info.headsKv} kv), trained context ${info.trainedContext}, vocabulary ${info.vocabulary}, ${info.tensors} tensors`,
        `memory     needs ${MiB(m.need)} (weights ${MiB(m.weights)} + KV ${MiB(m.kvCache)} for ${contextSize} × ${sequences} + runtime ${MiB(m.runtime)}); usable ${MiB(m.usable)} of ${MiB(limit)}`,
        '',
      ].join('\n'),
    );
  if (!m.fits) {
    out(`model_loader: refused: the model does not fit; lower --context-size or --sequences, or raise the memory limit to at least ${MiB(m.limitNeeded)}\n`);
    return 1;
  }
  // Register: atomically replace registry.json beside the model.
  const registry = values.registry ?? join(dirname(path), 'registry.json');
  let doc: { models: Record<string, unknown> } = { models: {} };
  try {
    doc = JSON.parse(readFileSync(registry, 'utf8'));
  } catch {
    // first registration
  }
  doc.models[info.name] = { path, sha256: digest, sizeBytes: info.sizeBytes, architecture: info.architecture, registeredAt: new Date().toISOString() };
  writeFileSync(`${registry}.tmp`, `${JSON.stringify(doc, null, 2)}\n`);
  renameSync(`${registry}.tmp`, registry);
  out(`registered ${info.name} in ${registry}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  modelLoader(process.argv.slice(2)).then((code) => process.exit(code));
}
