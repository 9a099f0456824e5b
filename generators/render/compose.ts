// docker-compose for a single host (the base tier on one VM, as in the deployment guide).
// The service reads the same runtime.json and keyring.json bytes the ConfigMaps carry.
import { PATHS } from '../model/runtime-config.js';
import type { RenderContext } from './context.js';
import { redisPort } from './kubernetes.js';

export const REDIS_IMAGE = 'redis:7.2-alpine';

export function composeView(ctx: RenderContext): object {
  const { config } = ctx;
  const internal = config.ports.internal;
  const cache = config.cache.redis.enabled;
  const smartbot: Record<string, unknown> = {
    image: config.service.image,
    command: ['--config', PATHS.config],
    ports: [`${config.ports.external}:${internal}`, ...(config.ports.admin === undefined ? [] : [`127.0.0.1:${config.ports.admin}:${config.ports.admin}`])],
    environment: { UV_THREADPOOL_SIZE: config.model.source === 'local' ? '1' : '4', SMARTBOT_ENVIRONMENT: ctx.env },
    // Config travels inline in this file (compose `configs.content`), so one file is the whole host.
    configs: [
      { source: 'runtime', target: PATHS.config },
      { source: 'keyring', target: PATHS.keyring },
    ],
    volumes: [`./secrets:${PATHS.secrets}:ro`, `models:${PATHS.models}`],
    read_only: true,
    tmpfs: ['/tmp'],
    cap_drop: ['ALL'],
    security_opt: ['no-new-privileges:true'],
    logging: { driver: 'json-file', options: { 'max-size': config.logging.maxSize, 'max-file': String(config.logging.maxFile) } },
    healthcheck: {
      test: ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${internal}/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`],
      interval: '10s',
      timeout: '3s',
      retries: 3,
      start_period: '60s',
    },
    restart: 'unless-stopped',
    ...(cache ? { depends_on: { redis: { condition: 'service_healthy' } } } : {}),
  };
  const services: Record<string, unknown> = { smartbot };
  if (cache) {
    services.redis = {
      image: REDIS_IMAGE,
      command: ['redis-server', '--port', String(redisPort(ctx)), '--save', '', '--appendonly', 'no'],
      logging: smartbot.logging,
      healthcheck: { test: ['CMD', 'redis-cli', '-p', String(redisPort(ctx)), 'ping'], interval: '10s', timeout: '3s', retries: 3 },
      restart: 'unless-stopped',
    };
  }
  return { project: `smartbot-${ctx.env}`, services, runtimeJson: ctx.runtimeJson, keyringJson: ctx.keyringJson, volumes: { models: {} } };
}
