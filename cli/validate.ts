// `smartbot validate [paths…] [--format text|json|github] [--models-dir DIR] [--max-file-size SIZE]`
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { hasErrors } from '../validation/diagnostics.js';
import { FORMATTERS } from '../validation/format/index.js';
import { validateEnvironments } from '../validation/validate.js';
import { EXIT, UsageError, type CliIO } from './io.js';
import { formatOption, maxFileSizeOption } from './options.js';

export const validateHelp = `Usage: smartbot validate [paths…] [options]

Validates environment files (default: every environments/*.yaml), layered over their tier
defaults, against the schema and the policy rules. Reports every problem with its location.

Options:
  --format text|json|github   output format (default text)
  --models-dir DIR            where local GGUF files are looked up by name (default models/)
  --max-file-size SIZE        largest environment, tier or keyring file read: bytes or
                              a size like 512Ki, 4Mi (default 1Mi)
  --root DIR                  repository root (default: the current directory)

Only regular files inside the repository are read: symbolic links, pipes, devices and
directories are refused, and nothing outside the root is printed.

Exit codes: 0 valid, 1 invalid, 2 usage or I/O error.
`;

export function validateCommand(argv: string[], io: CliIO): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { format: { type: 'string' }, 'models-dir': { type: 'string' }, 'max-file-size': { type: 'string' }, root: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return io.out(validateHelp), EXIT.ok;
  const format = formatOption(values.format);
  const maxFileBytes = maxFileSizeOption(values['max-file-size']);
  const root = values.root ?? '.';
  const report = validateEnvironments({
    root,
    paths: positionals,
    modelsDir: values['models-dir'] ?? join(root, 'models'),
    maxFileBytes,
  });
  io.out(FORMATTERS[format]!.validate(report));
  if (report.ioError) return EXIT.usage;
  return hasErrors(report.diagnostics) ? EXIT.invalid : EXIT.ok;
}

