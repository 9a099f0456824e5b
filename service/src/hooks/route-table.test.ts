import { describe, expect, it } from 'vitest';
import { RouteTable } from './route-table.js';

describe('RouteTable', () => {
  it("lists a path's methods (HEAD with GET, OPTIONS always), parameters matching one segment", () => {
    const t = new RouteTable();
    t.add({ method: 'POST', url: '/v1/chat/completions' } as never);
    t.add({ method: ['GET', 'HEAD'], url: '/v1/models' } as never);
    t.add({ method: 'GET', url: '/v1/models/:id' } as never);
    expect(t.methodsFor('/v1/chat/completions')).toEqual(['OPTIONS', 'POST']);
    expect(t.methodsFor('/v1/models')).toEqual(['GET', 'HEAD', 'OPTIONS']);
    expect(t.methodsFor('/v1/models/demo')).toEqual(['GET', 'HEAD', 'OPTIONS']);
    expect(t.methodsFor('/v1/models/a/b')).toEqual([]);
    expect(t.methodsFor('/v1/chat')).toEqual([]);
    expect(t.methodsFor('/v1/chat.completions')).toEqual([]);
  });
});
