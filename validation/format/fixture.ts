// A small report shared by the formatter tests.
import type { ValidateReport } from '../validate.js';

export const sampleReport: ValidateReport = {
  ioError: false,
  environments: [
    { file: 'environments/a.yaml', name: 'a', diagnostics: [] },
    { file: 'environments/b, c.yaml', name: 'b, c', diagnostics: [] },
  ],
  diagnostics: [
    {
      file: 'environments/b, c.yaml',
      line: 12,
      col: 5,
      rule: 'port-conflict',
      severity: 'error',
      message: '`ports.admin` is 8000, the same as `ports.internal`',
      fix: 'Give every port its own number.',
      source: '\tadmin: 8000',
    },
    {
      file: 'environments/a.yaml',
      line: 3,
      col: 1,
      rule: 'encryption-legacy',
      severity: 'warning',
      message: 'AES-256-CBC is legacy (no integrity protection)',
      fix: 'Switch to 100% GCM:\nnow',
    },
  ],
};
sampleReport.environments[1]!.diagnostics.push(sampleReport.diagnostics[0]!);
sampleReport.environments[0]!.diagnostics.push(sampleReport.diagnostics[1]!);
