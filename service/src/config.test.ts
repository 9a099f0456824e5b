// The service config the service starts from: one model or several, else one line naming what is missing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { renderedRuntimeConfig } from '../../test/helpers/service.js';
import { loadServiceConfig } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'smartbot-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, value: object) => (writeFileSync(join(dir, name), JSON.stringify(value)), join(dir, name));

describe('loadServiceConfig', () => {
  it('reads one model (dev) and several (multi) as rendered', () => {
    expect(loadServiceConfig(file('dev.json', renderedRuntimeConfig('dev'))).model?.source).toBe('local');
    expect(loadServiceConfig(file('multi.json', renderedRuntimeConfig('multi'))).models?.map((m) => m.id)).toEqual(['small', 'large', 'hosted']);
  });

  it('names what a config lacks: a model, or the default of several', () => {
    const { model: _model, ...none } = renderedRuntimeConfig('dev');
    expect(() => loadServiceConfig(file('none.json', none))).toThrow(`service config ${join(dir, 'none.json')} lacks "model": render it with \`npx smartbot render\``);
    const { defaultModel: _default, ...headless } = renderedRuntimeConfig('multi');
    expect(() => loadServiceConfig(file('headless.json', headless))).toThrow(`service config ${join(dir, 'headless.json')} lacks "defaultModel": render it with \`npx smartbot render\``);
  });
});
