// Writes GGUF v3 files. The project has no model downloads, so tests and the demo build
// their models with this (see gguf/llama-model.ts).
import { DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, GgufValueType } from './format.js';

export type MetaEntry =
  | { key: string; type: GgufValueType.STRING; value: string }
  | { key: string; type: GgufValueType.UINT32 | GgufValueType.INT32 | GgufValueType.FLOAT32; value: number }
  | { key: string; type: GgufValueType.BOOL; value: boolean }
  | { key: string; type: GgufValueType.ARRAY; itemType: GgufValueType.STRING; value: string[] }
  | { key: string; type: GgufValueType.ARRAY; itemType: GgufValueType.FLOAT32 | GgufValueType.INT32; value: number[] };

export const meta = {
  str: (key: string, value: string): MetaEntry => ({ key, type: GgufValueType.STRING, value }),
  u32: (key: string, value: number): MetaEntry => ({ key, type: GgufValueType.UINT32, value }),
  f32: (key: string, value: number): MetaEntry => ({ key, type: GgufValueType.FLOAT32, value }),
  strs: (key: string, value: string[]): MetaEntry => ({ key, type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, value }),
  f32s: (key: string, value: number[]): MetaEntry => ({ key, type: GgufValueType.ARRAY, itemType: GgufValueType.FLOAT32, value }),
  i32s: (key: string, value: number[]): MetaEntry => ({ key, type: GgufValueType.ARRAY, itemType: GgufValueType.INT32, value }),
};

export interface TensorEntry {
  name: string;
  /** ne[0] first: the input (fastest-varying) dimension. */
  dims: number[];
  type: number;
  data: Buffer;
}

class Out {
  parts: Buffer[] = [];
  length = 0;
  push(b: Buffer) {
    this.parts.push(b);
    this.length += b.length;
  }
  u32(v: number) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: number) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number) {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  str(s: string) {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
  pad(alignment: number) {
    const extra = (alignment - (this.length % alignment)) % alignment;
    if (extra) this.push(Buffer.alloc(extra));
  }
}

function writeMeta(o: Out, m: MetaEntry): void {
  o.str(m.key);
  o.u32(m.type);
  switch (m.type) {
    case GgufValueType.STRING: return o.str(m.value);
    case GgufValueType.UINT32: return o.u32(m.value);
    case GgufValueType.INT32: return o.i32(m.value);
    case GgufValueType.FLOAT32: return o.f32(m.value);
    case GgufValueType.BOOL: return o.push(Buffer.from([m.value ? 1 : 0]));
    case GgufValueType.ARRAY: {
      o.u32(m.itemType);
      o.u64(m.value.length);
      for (const v of m.value) {
        if (m.itemType === GgufValueType.STRING) o.str(v as string);
        else if (m.itemType === GgufValueType.FLOAT32) o.f32(v as number);
        else o.i32(v as number);
      }
    }
  }
}

export function writeGguf(metadata: MetaEntry[], tensors: TensorEntry[], alignment = DEFAULT_ALIGNMENT): Buffer {
  const o = new Out();
  o.u32(GGUF_MAGIC);
  o.u32(GGUF_VERSION);
  o.u64(tensors.length);
  o.u64(metadata.length);
  for (const m of metadata) writeMeta(o, m);
  let offset = 0;
  for (const t of tensors) {
    o.str(t.name);
    o.u32(t.dims.length);
    for (const d of t.dims) o.u64(d);
    o.u32(t.type);
    o.u64(offset);
    offset += Math.ceil(t.data.length / alignment) * alignment;
  }
  o.pad(alignment);
  for (const t of tensors) {
    o.push(t.data);
    o.pad(alignment);
  }
  return Buffer.concat(o.parts);
}
