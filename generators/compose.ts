// docker-compose for a single host (the base tier on one VM, as in the deployment guide).
// The service reads the same runtime.json, monitoring.json and keyring.json bytes the ConfigMaps carry.
import { MONITORING_CONFIG_PATH } from '../contract/monitoring-config.js';
import { PATHS, LLAMA_RUNTIME } from '../contract/service-config.js';
import type { RenderContext } from './context.js';
import { monitoringJson, redisPort, terminationGraceSeconds } from './kubernetes.js';

export const REDIS_IMAGE = 'redis:7.2-alpine';

export function composeView(ctx: RenderContext): object {
  const { config } = ctx;
  const internal = config.ports.internal;
  const cache = config.cache.redis.enabled;
  const local = ctx.local;
  const logging = { driver: 'json-file', options: { 'max-size': config.logging.maxSize, 'max-file': String(config.logging.maxFile) } };
  const hardening = { read_only: true, tmpfs: ['/tmp'], cap_drop: ['ALL'], security_opt: ['no-new-privileges:true'] };
  const dependsOn = { ...(local ? { [LLAMA_RUNTIME.host]: { condition: 'service_healthy' } } : {}), ...(cache ? { redis: { condition: 'service_healthy' } } : {}) };
  const smartbot: Record<string, unknown> = {
    image: config.service.image,
    command: ['--config', PATHS.config],
    ports: [`${config.ports.external}:${internal}`, ...(config.ports.admin === undefined ? [] : [`127.0.0.1:${config.ports.admin}:${config.ports.admin}`])],
    environment: { SMARTBOT_ENVIRONMENT: ctx.env },
    // Config travels inline in this file (compose `configs.content`), so one file is the whole host.
    configs: [
      { source: 'runtime', target: PATHS.config },
      { source: 'monitoring', target: MONITORING_CONFIG_PATH },
      { source: 'keyring', target: PATHS.keyring },
    ],
    volumes: [`./secrets:${PATHS.secrets}:ro`],
    ...hardening,
    logging,
    healthcheck: {
      test: ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${internal}/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`],
      interval: '10s',
      timeout: '3s',
      retries: 3,
      start_period: '60s',
    },
    restart: 'unless-stopped',
    // docker stop waits this long after SIGTERM: in-flight answers finish first.
    stop_grace_period: `${terminationGraceSeconds(ctx)}s`,
    ...(Object.keys(dependsOn).length ? { depends_on: dependsOn } : {}),
  };
  const services: Record<string, unknown> = { smartbot };
  if (local) {
    // The llama.cpp runtime runs the model; the service reaches it by this service name.
    services[LLAMA_RUNTIME.host] = {
      image: config.service.runtimeImage,
      command: ['--config', PATHS.config],
      configs: [{ source: 'runtime', target: PATHS.config }],
      volumes: [`models:${PATHS.models}:ro`],
      ...hardening,
      logging,
      healthcheck: {
        test: ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${LLAMA_RUNTIME.port}/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`],
        interval: '10s',
        timeout: '3s',
        retries: 3,
        start_period: '120s',
      },
      restart: 'unless-stopped',
      stop_grace_period: `${terminationGraceSeconds(ctx)}s`,
    };
  }
  if (cache) {
    services.redis = {
      image: REDIS_IMAGE,
      command: ['redis-server', '--port', String(redisPort(ctx)), '--save', '', '--appendonly', 'no'],
      logging,
      healthcheck: { test: ['CMD', 'redis-cli', '-p', String(redisPort(ctx)), 'ping'], interval: '10s', timeout: '3s', retries: 3 },
      restart: 'unless-stopped',
    };
  }
  return { project: `smartbot-${ctx.env}`, services, runtimeJson: ctx.runtimeJson, monitoringJson: monitoringJson(ctx), keyringJson: ctx.keyringJson, volumes: { models: {} } };
}
