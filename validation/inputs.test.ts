import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InputObserver, InputRecorder, type EnvironmentInputs } from './inputs.js';
import { RepoFiles } from './load/repo-file.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A repository with a keyring and a model file, and the inputs one validation recorded there. */
function recorded(): { root: string; inputs: EnvironmentInputs } {
  const root = mkdtempSync(join(tmpdir(), 'smartbot-inputs-'));
  dirs.push(root);
  writeFileSync(join(root, 'keyring.json'), '{"keys": []}\n');
  writeFileSync(join(root, 'model.gguf'), 'weights');
  const files = new RepoFiles(root);
  const recorder = new InputRecorder();
  const reader = recorder.reader(files);
  reader.read(join(root, 'keyring.json'));
  reader.read(join(root, 'keyring.json'));
  recorder.add(['exists', join(root, 'missing.gguf')]);
  recorder.add(['file', join(root, 'model.gguf')]);
  recorder.holdsUntil(Date.UTC(2030, 0, 1));
  recorder.holdsUntil(Date.UTC(2031, 0, 1));
  const observer = new InputObserver(files, existsSync);
  return { root, inputs: { inputs: recorder.inputs, digest: observer.digest(recorder.inputs), until: recorder.until! } };
}

/** A later run's view of the same repository. */
const later = (root: string) => new InputObserver(new RepoFiles(root), existsSync);

describe('validation inputs', () => {
  it('records each distinct input once, and the earliest time the outcome holds until', () => {
    const { root, inputs } = recorded();
    expect(inputs.inputs).toEqual([
      ['read', join(root, 'keyring.json')],
      ['exists', join(root, 'missing.gguf')],
      ['file', join(root, 'model.gguf')],
    ]);
    expect(inputs.until).toBe(Date.UTC(2030, 0, 1));
    expect(later(root).unchanged(inputs, Date.UTC(2029, 0, 1))).toBe(true);
  });

  it('tells a changed file, a path that now exists, a model file replaced, and an outcome past its time', () => {
    const cases: [string, (root: string) => void, number?][] = [
      ['a file read changed', (root) => writeFileSync(join(root, 'keyring.json'), '{"keys": [ ]}\n')],
      ['a file read is gone', (root) => rmSync(join(root, 'keyring.json'))],
      ['a path looked for exists', (root) => writeFileSync(join(root, 'missing.gguf'), '')],
      ['a model file replaced', (root) => (rmSync(join(root, 'model.gguf')), writeFileSync(join(root, 'model.gguf'), 'other weights'))],
      ['past its time', () => {}, Date.UTC(2030, 0, 1)],
    ];
    for (const [what, change, now] of cases) {
      const { root, inputs } = recorded();
      change(root);
      expect(later(root).unchanged(inputs, now ?? Date.UTC(2029, 0, 1)), what).toBe(false);
    }
  });

  it('a time that is not a number holds not even now (a key created on an impossible date)', () => {
    const recorder = new InputRecorder();
    recorder.holdsUntil(Date.UTC(2030, 0, 1));
    recorder.holdsUntil(Number.NaN);
    recorder.holdsUntil(Date.UTC(2031, 0, 1));
    expect(recorder.until).toBe(-Infinity);
  });
});
