import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../test/helpers/env.js';
import { BlockYaml } from './yaml-blocks.js';

const deployment = readFileSync(join(repoRoot, 'rendered/prod/kubernetes/deployment.yaml'), 'utf8');

describe('BlockYaml', () => {
  it('finds a nested block by its keys, with compact lists inside it', () => {
    const y = new BlockYaml(deployment);
    const t = y.locate(['spec', 'template'])!;
    const block = deployment.slice(t.valueStart, t.valueEnd);
    expect(parse(`x:\n${block}`).x).toEqual((parse(deployment) as { spec: { template: unknown } }).spec.template);
    expect(y.locate(['spec', 'nope'])).toBeUndefined();
  });

  it('names the keys above a line, through lists written at their key’s indentation', () => {
    const y = new BlockYaml(deployment);
    const at = (re: RegExp) => y.lines.findIndex((_, i) => re.test(y.lineText(i)));
    expect(y.keyPath(at(/^ {12}cpu: "4"/))).toEqual(['spec', 'template', 'spec', 'containers', 'resources', 'requests', 'cpu']);
    expect(y.keyPath(at(/config-checksum/))).toEqual(['spec', 'template', 'metadata', 'annotations', 'smartbot.dev/config-checksum']);
    expect(y.keyPath(at(/value: prod/))).toEqual(['spec', 'template', 'spec', 'containers', 'env', 'value']);
    expect(y.keyPath(at(/- ALL/))).toEqual(['spec', 'template', 'spec', 'containers', 'securityContext', 'capabilities', 'drop']);
  });

  it('gives a value range the YAML library agrees with: block scalars, quoted and plain scalars', () => {
    const text = 'data:\n  keyring.json: |\n    {"version": 2}\n\n  "q": "a: b"\n  plain: x y\nnext: 1\n';
    const y = new BlockYaml(text);
    const entries = y.entries(y.locate(['data'])!.firstLine + 1, y.locate(['data'])!.lastLine)!;
    expect(entries.map((e) => [e.key, text.slice(e.valueStart, e.valueEnd)])).toEqual([
      ['keyring.json', '|\n    {"version": 2}\n'],
      ['q', '"a: b"'],
      ['plain', 'x y'],
    ]);
  });

  it('answers undefined for what it does not read: flow maps, lists where a map was asked', () => {
    expect(new BlockYaml('data: {a: 1}\n').locate(['data', 'a'])).toBeUndefined();
    expect(new BlockYaml('- a: 1\n').entries()).toBeUndefined();
  });
});
