// fastify encapsulates a plugin: the hooks and handlers it sets apply only to the routes inside
// it. The service's hooks must reach the routes of every sibling plugin, so their plugins skip
// encapsulation with this symbol: what the fastify-plugin package does, without the dependency.
import type { FastifyPluginAsync, FastifyPluginOptions } from 'fastify';

export const appWide = <O extends FastifyPluginOptions>(plugin: FastifyPluginAsync<O>): FastifyPluginAsync<O> => Object.assign(plugin, { [Symbol.for('skip-override')]: true });
