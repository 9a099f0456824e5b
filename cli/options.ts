// The options validate and render share, parsed without loading the validation pipeline (render
// starts its workers first).
import { parseBytes } from '../contract/quantity.js';
import { DEFAULT_MAX_FILE_BYTES } from '../validation/load/repo-file.js';
import { FORMATTERS } from '../validation/format/index.js';
import { UsageError } from './io.js';

/** --format: one of the formatters (text, json, github). */
export function formatOption(value: string | undefined): string {
  const format = value ?? 'text';
  if (!(format in FORMATTERS)) throw new UsageError(`unknown --format "${format}" (use ${Object.keys(FORMATTERS).join(', ')})`);
  return format;
}

/** --max-file-size: plain bytes or a binary quantity (512Ki, 4Mi, 1Gi). */
export function maxFileSizeOption(value: string | undefined): number {
  if (value === undefined) return DEFAULT_MAX_FILE_BYTES;
  const bytes = /^\d+$/.test(value) ? Number(value) : /^\d+(Ki|Mi|Gi)$/.test(value) ? parseBytes(value) : NaN;
  if (!(bytes > 0) || !Number.isSafeInteger(bytes)) throw new UsageError(`invalid --max-file-size "${value}" (use bytes or a size like 512Ki, 4Mi)`);
  return bytes;
}

