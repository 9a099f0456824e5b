// Looks at a model file before anything loads it: the GGUF header, the model's shape and the
// file's sha256, hashed in chunks so files of any size (a 7B model is > 4 GiB) work. Used by
// `smartbot validate` (synchronously: the toolchain is), the local engine and model_loader.
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { GgufError, modelShape, readGgufHeader, type GgufHeader, type ModelShape } from './read.js';

export interface ModelInspection {
  path: string;
  header: GgufHeader;
  shape: ModelShape;
  sizeBytes: number;
  sha256: string;
}

/** Why a model file cannot be used: missing, unreadable, or not a valid GGUF model. */
export class ModelFileError extends Error {
  constructor(
    readonly path: string,
    /** The bare reason, e.g. "no such file" or GGUF's own complaint. */
    readonly reason: string,
    kind = '',
  ) {
    super(`${path}: ${kind}${reason}`);
  }
}

const CHUNK = 8 * 2 ** 20;

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The same digest without an event loop to yield to (the synchronous toolchain). */
export function sha256FileSync(path: string): string {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(CHUNK);
  const fd = openSync(path, 'r');
  try {
    for (let n; (n = readSync(fd, buf, 0, CHUNK, null)) > 0; ) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function readShape(path: string): { header: GgufHeader; shape: ModelShape } {
  try {
    const header = readGgufHeader(path);
    return { header, shape: modelShape(header) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ModelFileError(path, 'no such file');
    if (e instanceof GgufError) throw new ModelFileError(path, e.message, 'not a valid GGUF model: ');
    throw new ModelFileError(path, `cannot read: ${code ?? (e as Error).message}`);
  }
}

export async function inspectModel(path: string): Promise<ModelInspection> {
  const { header, shape } = readShape(path);
  return { path, header, shape, sizeBytes: header.fileSize, sha256: await sha256File(path) };
}

export function inspectModelSync(path: string): ModelInspection {
  const { header, shape } = readShape(path);
  return { path, header, shape, sizeBytes: header.fileSize, sha256: sha256FileSync(path) };
}
