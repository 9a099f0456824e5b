import { formatGithub } from './github.js';
import { formatJson } from './json.js';
import { formatText } from './text.js';
import type { Formatter } from './format.js';

export const FORMATTERS: Record<string, Formatter> = { text: formatText, json: formatJson, github: formatGithub };
