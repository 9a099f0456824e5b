import { describe, expect, it } from 'vitest';
import { sampleReport } from './fixture.js';
import { formatJson } from './json.js';

describe('json formatter', () => {
  it('emits per-environment status and every diagnostic with its location and rule', () => {
    const doc = JSON.parse(formatJson(sampleReport));
    expect(doc).toEqual({
      valid: false,
      errors: 1,
      warnings: 1,
      environments: [
        { name: 'a', file: 'environments/a.yaml', valid: true, errors: 0, warnings: 1 },
        { name: 'b, c', file: 'environments/b, c.yaml', valid: false, errors: 1, warnings: 0 },
      ],
      diagnostics: sampleReport.diagnostics,
    });
  });
});
