// Reads a GGUF file's header — metadata and tensor table — without reading the weights.
// Used by the capacity pre-flight (validate), the model loader and tests.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { GGML_TYPE_SIZE, GGUF_MAGIC, GgufValueType, DEFAULT_ALIGNMENT, type GgufValue } from './format.js';

export interface GgufTensorInfo {
  name: string;
  dims: number[];
  type: number;
  offset: number;
}

/** Arrays longer than this (token lists) are summarised by length, not kept. */
const KEEP_ARRAY_MAX = 256;
export type GgufMetaValue = GgufValue | { arrayLength: number };

export interface GgufHeader {
  version: number;
  metadata: Record<string, GgufMetaValue>;
  tensors: GgufTensorInfo[];
  /** Byte offset of the tensor data section. */
  dataOffset: number;
  fileSize: number;
}

export class GgufError extends Error {}

/** Buffered little-endian reader over a file descriptor. */
class FileCursor {
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  pos = 0;
  constructor(private readonly fd: number, readonly size: number) {}

  private ensure(n: number): void {
    if (this.pos + n > this.size) throw new GgufError(`truncated at byte ${this.pos} (wanted ${n} more bytes, file has ${this.size})`);
    if (this.pos >= this.bufStart && this.pos + n <= this.bufStart + this.buf.length) return;
    const len = Math.max(n, 1 << 20);
    this.buf = Buffer.alloc(Math.min(len, this.size - this.pos));
    readSync(this.fd, this.buf, 0, this.buf.length, this.pos);
    this.bufStart = this.pos;
  }
  private take(n: number): number {
    this.ensure(n);
    const at = this.pos - this.bufStart;
    this.pos += n;
    return at;
  }
  /** Takes n bytes, then reads them from the (possibly refilled) buffer. */
  private read<T>(n: number, get: (b: Buffer, at: number) => T): T {
    const at = this.take(n);
    return get(this.buf, at);
  }
  u8 = () => this.read(1, (b, at) => b.readUInt8(at));
  i8 = () => this.read(1, (b, at) => b.readInt8(at));
  u16 = () => this.read(2, (b, at) => b.readUInt16LE(at));
  i16 = () => this.read(2, (b, at) => b.readInt16LE(at));
  u32 = () => this.read(4, (b, at) => b.readUInt32LE(at));
  i32 = () => this.read(4, (b, at) => b.readInt32LE(at));
  f32 = () => this.read(4, (b, at) => b.readFloatLE(at));
  f64 = () => this.read(8, (b, at) => b.readDoubleLE(at));
  u64 = () => this.read(8, (b, at) => b.readBigUInt64LE(at));
  i64 = () => this.read(8, (b, at) => b.readBigInt64LE(at));
  /** A u64 that must fit a JS number (counts, lengths, offsets). */
  count(what: string): number {
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v > BigInt(this.size) * 8n) throw new GgufError(`implausible ${what} ${v}`);
    return Number(v);
  }
  string(): string {
    const len = this.count('string length');
    const at = this.take(len);
    return this.buf.toString('utf8', at, at + len);
  }
}

function readValue(c: FileCursor, type: number, keep = true): GgufMetaValue {
  switch (type) {
    case GgufValueType.UINT8: return c.u8();
    case GgufValueType.INT8: return c.i8();
    case GgufValueType.UINT16: return c.u16();
    case GgufValueType.INT16: return c.i16();
    case GgufValueType.UINT32: return c.u32();
    case GgufValueType.INT32: return c.i32();
    case GgufValueType.FLOAT32: return c.f32();
    case GgufValueType.BOOL: return c.u8() !== 0;
    case GgufValueType.STRING: return c.string();
    case GgufValueType.UINT64: return c.u64();
    case GgufValueType.INT64: return c.i64();
    case GgufValueType.FLOAT64: return c.f64();
    case GgufValueType.ARRAY: {
      const itemType = c.u32();
      const n = c.count('array length');
      const kept = keep && n <= KEEP_ARRAY_MAX;
      const items: GgufValue[] = [];
      for (let i = 0; i < n; i++) {
        const v = readValue(c, itemType, kept);
        if (kept) items.push(v as GgufValue);
      }
      return kept ? items : { arrayLength: n };
    }
    default:
      throw new GgufError(`unknown metadata value type ${type} at byte ${c.pos - 4}`);
  }
}

export function readGgufHeader(path: string): GgufHeader {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const c = new FileCursor(fd, size);
    if (size < 24 || c.u32() !== GGUF_MAGIC) throw new GgufError('not a GGUF file (bad magic)');
    const version = c.u32();
    if (version < 2 || version > 3) throw new GgufError(`unsupported GGUF version ${version}`);
    const tensorCount = c.count('tensor count');
    const kvCount = c.count('metadata count');
    const metadata: Record<string, GgufMetaValue> = {};
    for (let i = 0; i < kvCount; i++) {
      const key = c.string();
      metadata[key] = readValue(c, c.u32());
    }
    const tensors: GgufTensorInfo[] = [];
    for (let i = 0; i < tensorCount; i++) {
      const name = c.string();
      const nDims = c.u32();
      if (nDims > 8) throw new GgufError(`tensor ${name} has ${nDims} dimensions`);
      const dims = Array.from({ length: nDims }, () => c.count('dimension'));
      const type = c.u32();
      tensors.push({ name, dims, type, offset: c.count('tensor offset') });
    }
    const alignment = Number(metadata['general.alignment'] ?? DEFAULT_ALIGNMENT);
    const dataOffset = Math.ceil(c.pos / alignment) * alignment;
    for (const t of tensors) {
      const end = dataOffset + t.offset + tensorBytes(t);
      if (end > size) throw new GgufError(`tensor ${t.name} ends at byte ${end}, past the end of the file (${size})`);
    }
    return { version, metadata, tensors, dataOffset, fileSize: size };
  } finally {
    closeSync(fd);
  }
}

export function tensorBytes(t: Pick<GgufTensorInfo, 'dims' | 'type' | 'name'>): number {
  const size = GGML_TYPE_SIZE[t.type];
  if (!size) throw new GgufError(`tensor ${t.name} has unsupported ggml type ${t.type}`);
  const elements = t.dims.reduce((a, b) => a * b, 1);
  return (elements / size[0]) * size[1];
}

/** Architecture numbers the KV-cache estimate needs, from `<arch>.*` metadata. */
export interface ModelShape {
  architecture: string;
  layers: number;
  embedding: number;
  heads: number;
  headsKv: number;
  contextLength: number;
}

export function modelShape(h: GgufHeader): ModelShape {
  const arch = h.metadata['general.architecture'];
  if (typeof arch !== 'string') throw new GgufError('general.architecture is missing');
  const num = (key: string, fallback?: number): number => {
    const v = h.metadata[`${arch}.${key}`];
    if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
    if (fallback !== undefined) return fallback;
    throw new GgufError(`${arch}.${key} is missing`);
  };
  const heads = num('attention.head_count');
  return {
    architecture: arch,
    layers: num('block_count'),
    embedding: num('embedding_length'),
    heads,
    headsKv: num('attention.head_count_kv', heads),
    contextLength: num('context_length'),
  };
}

/** F16 K and V caches for `tokens` cells: 2 × layers × tokens × (embedding / heads × kv heads) × 2 bytes. */
export function kvCacheBytes(shape: ModelShape, tokens: number): number {
  const kvWidth = (shape.embedding / shape.heads) * shape.headsKv;
  return 2 * shape.layers * tokens * kvWidth * 2;
}
