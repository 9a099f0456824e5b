// `smartbot validate [paths…] [--format text|json|github] [--models-dir DIR]`
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { hasErrors } from '../validation/diagnostics.js';
import { FORMATTERS } from '../validation/format/index.js';
import { validateEnvironments } from '../validation/validate.js';
import { EXIT, UsageError, type CliIO } from './io.js';

export const validateHelp = `Usage: smartbot validate [paths…] [options]

Validates environment files (default: every environments/*.yaml), layered over their tier
defaults, against the schema and the policy rules. Reports every problem with its location.

Options:
  --format text|json|github   output format (default text)
  --models-dir DIR            where local GGUF files are looked up by name (default models/)
  --root DIR                  repository root (default: the current directory)

Exit codes: 0 valid, 1 invalid, 2 usage or I/O error.
`;

export function formatOption(value: string | undefined): string {
  const format = value ?? 'text';
  if (!(format in FORMATTERS)) throw new UsageError(`unknown --format "${format}" (use ${Object.keys(FORMATTERS).join(', ')})`);
  return format;
}

export function validateCommand(argv: string[], io: CliIO): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { format: { type: 'string' }, 'models-dir': { type: 'string' }, root: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return io.out(validateHelp), EXIT.ok;
  const format = formatOption(values.format);
  const root = values.root ?? '.';
  const report = validateEnvironments({
    root,
    paths: positionals,
    modelsDir: values['models-dir'] ?? join(root, 'models'),
  });
  io.out(FORMATTERS[format]!.validate(report));
  if (report.ioError) return EXIT.usage;
  return hasErrors(report.diagnostics) ? EXIT.invalid : EXIT.ok;
}

