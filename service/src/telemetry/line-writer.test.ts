// Log lines written in batches: one write per FLUSH_MS at most, nothing lost at exit.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../test/helpers/env.js';
import { batchedWriter, FLUSH_MS, MAX_PENDING_BYTES } from './line-writer.js';

const later = () => new Promise((r) => setTimeout(r, FLUSH_MS + 15));

describe('batched line writer', () => {
  it('writes the lines that waited in one write, in order, within FLUSH_MS', async () => {
    const writes: string[] = [];
    const w = batchedWriter((t) => writes.push(t));
    w.write('a\n');
    await new Promise((r) => setImmediate(r));
    w.write('b\n');
    w.write('c\n');
    expect(writes).toEqual([]);
    await later();
    expect(writes).toEqual(['a\nb\nc\n']);
    w.write('d\n');
    await later();
    expect(writes).toEqual(['a\nb\nc\n', 'd\n']);
  });

  it('writes at once when the batch reaches its bound, and on flush()', () => {
    const writes: string[] = [];
    const w = batchedWriter((t) => writes.push(t));
    const big = `${'x'.repeat(MAX_PENDING_BYTES / 2)}\n`;
    w.write(big);
    expect(writes).toEqual([]);
    w.write(big);
    expect(writes).toEqual([big + big]);
    w.write('tail\n');
    w.flush();
    expect(writes).toEqual([big + big, 'tail\n']);
    w.flush();
    expect(writes).toHaveLength(2);
  });

  it('loses no line when the process exits in the same turn (process.exit)', () => {
    const logger = join(repoRoot, 'dist/service/src/telemetry/logger.js');
    const script = `import { createLogger } from ${JSON.stringify(logger)};
      const log = createLogger({ format: 'line', level: 'info' });
      for (let i = 0; i < 3; i++) log.info('request completed', { n: i });
      process.exit(0);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd().split('\n').map((l) => l.replace(/^\[[^\]]+\] /, ''))).toEqual(['[INFO] request completed n=0', '[INFO] request completed n=1', '[INFO] request completed n=2']);
  });
});
