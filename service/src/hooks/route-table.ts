// Which methods each path answers, collected as routes are added: the not-found handler turns
// a known path with the wrong method into 405 with Allow, and CORS preflights name the methods.
// fastify's own router matches a method and a URL together, and cannot list a path's methods.
import type { RouteOptions } from 'fastify';

export class RouteTable {
  private readonly routes: { pattern: RegExp; methods: Set<string> }[] = [];

  /** fastify's onRoute hook. */
  readonly add = (route: RouteOptions): void => {
    const methods = [route.method].flat().map((m) => m.toUpperCase());
    // `/v1/models/:id` matches one non-empty segment where the parameter is.
    const source = `^${route.url.split('/').map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}/?$`;
    let entry = this.routes.find((r) => r.pattern.source === source);
    if (!entry) this.routes.push((entry = { pattern: new RegExp(source), methods: new Set() }));
    for (const m of methods) entry.methods.add(m);
    if (entry.methods.has('GET')) entry.methods.add('HEAD');
  };

  /** The methods `path` answers (OPTIONS included), or none for an unknown path. */
  methodsFor(path: string): string[] {
    const found = new Set<string>();
    for (const r of this.routes) if (r.pattern.test(path)) for (const m of r.methods) found.add(m);
    if (found.size > 0) found.add('OPTIONS');
    return [...found].sort();
  }
}
