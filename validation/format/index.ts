// The interchangeable output formats: --format text | json | github.
import type { Formatter } from './format.js';
import { formatGithub, renderGithub } from './github.js';
import { formatJson, renderJson } from './json.js';
import { formatText, renderText } from './text.js';

export const FORMATTERS: Record<string, Formatter> = {
  text: { validate: formatText, render: renderText },
  json: { validate: formatJson, render: renderJson },
  github: { validate: formatGithub, render: renderGithub },
};
