import { describe, expect, it } from 'vitest';
import { hostileReport, manyDiagnostics, sampleReport } from './fixture.js';
import { formatJson } from './json.js';

describe('json formatter', () => {
  it('emits per-environment status and every diagnostic with its location and rule', () => {
    const doc = JSON.parse(formatJson(sampleReport));
    const [portConflict, legacy] = sampleReport.diagnostics;
    expect(doc).toEqual({
      valid: false,
      errors: 1,
      warnings: 1,
      environments: [
        { name: 'a', file: 'environments/a.yaml', valid: true, errors: 0, warnings: 1 },
        { name: 'b, c', file: 'environments/b, c.yaml', valid: false, errors: 1, warnings: 0 },
      ],
      // The source line as shown (a tab is one space), and the caret's column in it.
      diagnostics: [{ ...portConflict, source: ' admin: 8000', sourceCol: 5 }, legacy],
      omitted: [],
    });
  });

  it('keeps the exact text for machines but no raw character a terminal would act on', () => {
    const out = formatJson(hostileReport);
    expect(out).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
    expect(out).toContain('"message": "unknown key `\\r✔ 3 environments valid\\u001b[K\\u202e` in (top level)"');
    expect(JSON.parse(out).diagnostics[0].message).toBe(hostileReport.diagnostics[0]!.message);
  });

  it('lists at most 50 diagnostics per file and 500 per run, and how many were left out where', () => {
    const doc = JSON.parse(formatJson(manyDiagnostics({ files: 11, perFile: 60 })));
    expect(doc.diagnostics).toHaveLength(500);
    expect(doc.errors).toBe(495);
    expect(doc.omitted.slice(0, 2)).toEqual([
      { file: 'f00.yaml', count: 10 },
      { file: 'f01.yaml', count: 10 },
    ]);
    expect(doc.omitted.at(-1)).toEqual({ file: 'f10.yaml', count: 60 });
  });
});
