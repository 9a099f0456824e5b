// Machine output: one JSON document with per-environment status and every diagnostic.
import { counts, type Formatter } from './format.js';

export const formatJson: Formatter = (report) => {
  const { errors, warnings } = counts(report);
  return (
    JSON.stringify(
      {
        valid: errors === 0,
        errors,
        warnings,
        environments: report.environments.map((e) => ({
          name: e.name,
          file: e.file,
          valid: !e.diagnostics.some((d) => d.severity === 'error'),
          errors: e.diagnostics.filter((d) => d.severity === 'error').length,
          warnings: e.diagnostics.filter((d) => d.severity === 'warning').length,
        })),
        diagnostics: report.diagnostics,
      },
      null,
      2,
    ) + '\n'
  );
};
