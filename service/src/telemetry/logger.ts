// Logs: one line per event, by default in the deployment guide's format
//   [YYYY-MM-DD HH:MM:SS] [LEVEL] message key=value …   (UTC; LOG_LINE_PATTERN)
// or one JSON object per line. Request lines carry reqId. Callers pass only safe fields:
// no prompt text, no credentials. Lines to stdout leave in batches, once per event-loop turn
// (line-writer.ts), and whatever is pending is written when the process exits.
import { stdoutWriter } from './line-writer.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Fields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

/** `YYYY-MM-DD HH:MM:SS` (UTC); formatted once a second, not once a line. */
let stamped = { second: NaN, text: '' };
function stamp(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== stamped.second) stamped = { second, text: new Date(ms).toISOString().slice(0, 19).replace('T', ' ') };
  return stamped.text;
}

const LABEL: Record<Level, string> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

/** key=value, quoting values with spaces or quotes; newlines can never split a line. */
function kv(fields: Fields): string {
  let out = '';
  for (const k in fields) {
    const v = fields[k];
    if (v === undefined) continue;
    // Numbers and booleans print as they are; only text can hold a space, a quote or a newline.
    out += `${out ? ' ' : ''}${k}=${typeof v !== 'string' ? v : /[\s"=]/.test(v) ? JSON.stringify(v) : v}`;
  }
  return out;
}

// The access log writes a line per request: no Date, copy or regex replace a line does not need.
export function createLogger(opts: { format: 'line' | 'json'; level: Level; write?: (line: string) => void; now?: () => Date }, base: Fields = {}): Logger {
  const write = opts.write ?? stdoutWriter().write;
  const now = opts.now ? () => opts.now!().getTime() : Date.now;
  const hasBase = Object.keys(base).length > 0;
  const emit = (level: Level, msg: string, fields: Fields = {}) => {
    if (ORDER[level] < ORDER[opts.level]) return;
    const all = hasBase ? { ...base, ...fields } : fields;
    const text = /[\r\n]/.test(msg) ? msg.replace(/[\r\n]+/g, ' ') : msg;
    if (opts.format === 'json') write(`${JSON.stringify({ time: new Date(now()).toISOString(), level, msg: text, ...all })}\n`);
    else {
      const rest = kv(all);
      write(`[${stamp(now())}] [${LABEL[level]}] ${text}${rest ? ` ${rest}` : ''}\n`);
    }
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(opts, { ...base, ...fields }),
  };
}
