import { describe, expect, it } from 'vitest';
import { LOG_LINE_PATTERN } from '../../../contract/telemetry.js';
import { createLogger } from './logger.js';

const at = () => new Date(Date.UTC(2026, 10, 26, 9, 15, 2, 345));

describe('logger', () => {
  it("writes the guide's line format, in UTC, with key=value fields", () => {
    const lines: string[] = [];
    const log = createLogger({ format: 'line', level: 'info', write: (l) => lines.push(l), now: at }).child({ reqId: 'req-1' });
    log.info('request completed', { status: 200, route: '/api/v1/chat', note: 'two words', absent: undefined });
    log.debug('not written at info');
    expect(lines).toEqual(['[2026-11-26 09:15:02] [INFO] request completed reqId=req-1 status=200 route=/api/v1/chat note="two words"\n']);
    expect(new RegExp(LOG_LINE_PATTERN).exec(lines[0]!.trimEnd())?.slice(1)).toEqual(['2026-11-26 09:15:02', 'INFO', 'request completed reqId=req-1 status=200 route=/api/v1/chat note="two words"']);
  });

  it('cannot be split into two lines by a value or a message', () => {
    const lines: string[] = [];
    createLogger({ format: 'line', level: 'debug', write: (l) => lines.push(l), now: at }).warn('bad\nthing', { error: 'line one\n[2026-01-01 00:00:00] [ERROR] forged' });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.split('\n')).toHaveLength(2);
    expect(lines[0]).toBe('[2026-11-26 09:15:02] [WARN] bad thing error="line one\\n[2026-01-01 00:00:00] [ERROR] forged"\n');
  });

  it('writes one JSON object per line when asked', () => {
    const lines: string[] = [];
    createLogger({ format: 'json', level: 'info', write: (l) => lines.push(l), now: at }).error('boom', { reqId: 'r' });
    expect(JSON.parse(lines[0]!)).toEqual({ time: '2026-11-26T09:15:02.345Z', level: 'error', msg: 'boom', reqId: 'r' });
  });
});
