// Reports shared by the formatter tests: a small one, one whose file wrote control characters,
// and one with more diagnostics than the output shows.
import type { Diagnostic } from '../diagnostics.js';
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

/** A key that tries to clear the screen and print a forged success line, in a file whose name does too. */
const forged = '\r✔ 3 environments valid\x1b[K\u202e';
const hostile: Diagnostic = {
  file: 'environments/x\x1b[2J.yaml',
  line: 2,
  col: 1,
  rule: 'schema-unknown-key',
  severity: 'error',
  message: `unknown key \`${forged}\` in (top level)`,
  fix: 'Known keys here: tier.',
  source: `${forged}: 1`,
};
export const hostileReport: ValidateReport = { ioError: false, environments: [{ file: hostile.file, name: 'x', diagnostics: [hostile] }], diagnostics: [hostile] };

/** `files` files with `perFile` diagnostics each; every fourth one a warning. */
export function manyDiagnostics({ files, perFile }: { files: number; perFile: number }): ValidateReport {
  const environments = Array.from({ length: files }, (_, f) => {
    const file = `f${String(f).padStart(2, '0')}.yaml`;
    const diagnostics: Diagnostic[] = Array.from({ length: perFile }, (_, i) => ({
      file,
      line: i + 1,
      col: 1,
      rule: 'schema-unknown-key',
      severity: i % 4 === 0 ? 'warning' : 'error',
      message: `unknown key \`k${i}\` in (top level)`,
      fix: 'Remove it.',
    }));
    return { file, name: file, diagnostics };
  });
  return { ioError: false, environments, diagnostics: environments.flatMap((e) => e.diagnostics) };
}
