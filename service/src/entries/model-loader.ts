// /opt/bot/bin/model_loader --path /data/models/<name>.gguf --format gguf
// The deployment guide's loader: verifies the file is readable GGUF, prints its metadata and
// sha256, checks that it fits the memory limit (the container's cgroup limit unless --memory),
// and registers it in the models directory's registry.json. Exit 0 registered, 1 refused, 2 usage.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { isEntry, runMain } from '../../../contract/run-main.js';
import { formatBytes } from '../../../gguf/bytes.js';
import { fitReport } from '../../../gguf/fit.js';
import { inspectModel, ModelFileError } from '../../../gguf/inspect.js';
import { memoryLimitBytes } from '../system.js';

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

  let file;
  try {
    file = await inspectModel(path);
  } catch (e) {
    if (!(e instanceof ModelFileError)) throw e;
    out(`model_loader: ${e.message}\n`);
    return 1;
  }
  const { header, shape, sha256: digest } = file;
  const contextSize = Number(values['context-size']);
  const sequences = Number(values.sequences);
  const limit = values.memory ? Number(values.memory) : memoryLimitBytes();
  const m = fitReport({ weightsBytes: file.sizeBytes, shape, contextSize, sequences, limitBytes: limit }, { contextSize: '--context-size', sequences: '--sequences', memory: 'the memory limit (--memory)' });
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
        `file       ${path}  ${formatBytes(info.sizeBytes)}  GGUF v${info.ggufVersion}`,
        `sha256     ${digest}`,
        `shape      ${info.architecture}: ${info.layers} layers, embedding ${info.embedding}, ${info.heads} heads (${info.headsKv} kv), trained context ${info.trainedContext}, vocabulary ${info.vocabulary}, ${info.tensors} tensors`,
        `memory     needs ${formatBytes(m.need)} (${m.breakdown}); usable ${formatBytes(m.usable)} of ${formatBytes(limit)}`,
        '',
      ].join('\n'),
    );
  if (!m.fits) {
    out(`model_loader: refused: the model does not fit. ${m.advice}\n`);
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

if (isEntry(import.meta.url)) runMain('model_loader', (argv) => modelLoader(argv));
