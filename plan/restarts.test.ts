import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../test/helpers/env.js';
import { renderedObjects } from './objects.js';
import { podRestarts } from './restarts.js';

const deployment = readFileSync(join(repoRoot, 'rendered/prod/kubernetes/deployment.yaml'), 'utf8');
const objects = (text: string) => renderedObjects([{ path: 'kubernetes/deployment.yaml', text }], 'smartbot-prod');
const restarts = (edit: (t: string) => string) => podRestarts(objects(deployment), objects(edit(deployment)));

describe('podRestarts', () => {
  it('says why the pods are replaced, from the pod template lines that change', () => {
    expect(restarts((t) => t.replace(/config-checksum: \w+/, 'config-checksum: abc'))).toEqual([{ id: 'Deployment smartbot-prod/smart-bot-service', why: ['config checksum'] }]);
    expect(restarts((t) => t.replace('smart-bot-service:1.2.0"', 'smart-bot-service:1.3.0"').replace(/cpu: "4"/g, 'cpu: "6"'))).toEqual([{ id: 'Deployment smartbot-prod/smart-bot-service', why: ['image', 'resources'] }]);
    expect(restarts((t) => t.replace('value: "4"', 'value: "2"'))).toEqual([{ id: 'Deployment smartbot-prod/smart-bot-service', why: ['pod spec: containers.env'] }]);
  });

  it('restarts nothing when only the workload around the template changes', () => {
    expect(restarts((t) => t.replace('revisionHistoryLimit: 5', 'revisionHistoryLimit: 9'))).toEqual([]);
    expect(podRestarts(undefined, objects(deployment))).toEqual([]);
  });
});
