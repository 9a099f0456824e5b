import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderTemplate, templatesDir } from './templates.js';

describe('templates', () => {
  // renderTemplate hands handlebars its set-up once, as it would to a partial: no data frame
  // (@index, @root …), no partials, and helpers without lookupProperty (the `lookup` helper).
  it('use nothing the shared call set-up leaves out', () => {
    const uses = readdirSync(templatesDir)
      .filter((f) => f.endsWith('.hbs'))
      .flatMap((f) => [...readFileSync(join(templatesDir, f), 'utf8').matchAll(/\{\{[#^~]?\s*(?:>|lookup\b|[^}]*@)[^}]*\}\}/g)].map((m) => `${f}: ${m[0]}`));
    expect(uses).toEqual([]);
  });

  it('render, and fail on a field the view lacks (strict)', () => {
    expect(renderTemplate('header', { source: 'environments/dev.yaml' })).toContain('environments/dev.yaml');
    expect(() => renderTemplate('header', {})).toThrow(/"source" not defined/);
  });
});
