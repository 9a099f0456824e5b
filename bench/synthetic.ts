// Synthetic environments for benchmarks: a realistic mix of base/enterprise, local/remote,
// with every rule's inputs present. Written into a scratch repository root.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function syntheticEnvironment(i: number): string {
  const enterprise = i % 3 === 0;
  const local = i % 2 === 0;
  const model = local
    ? `model:
  source: local
  path: /data/models/model-${i % 7}.gguf
  format: gguf
  sha256: "${createHash('sha256').update(String(i)).digest('hex')}"
  sizeBytes: ${100_000_000 + i}
  contextSize: ${1024 * (1 + (i % 4))}
  threads: 2
`
    : `model:
  source: remote
  endpoint: https://api-${i}.example.com/v1
  model: large-${i}
  auth:
    type: ${['bearer', 'jwt', 'api-key'][i % 3]}
    secretRef: {name: upstream-${i}, key: token}
  timeoutMs: ${10000 + i}
`;
  return `# synthetic environment ${i}
tier: ${enterprise ? 'enterprise' : 'base'}
description: Synthetic environment number ${i}
${enterprise ? `replicas: 3\nautoscaling:\n  min: 3\n  max: 9\ningress: {host: env-${i}.example.com, className: nginx}\n` : ''}${model}inference:
  maxTokens: ${256 + i}
security:
  keyring: {file: keyrings/dev.json}
${enterprise ? `  tls: {enabled: true, minVersion: "1.3", issuer: letsencrypt}\n  ipAllowlist: [10.${i % 256}.0.0/16, 2001:db8:${(i % 65536).toString(16)}::/48]\n` : ''}monitoring:
  alerts:
    cpuPercent: {threshold: ${80 + (i % 10)}, for: 2m}
cache:
  redis:
    enabled: ${enterprise}
    url: redis://redis-${i}:6379
sync:
  namespace: env-${i}
`;
}

/** A scratch root with the repo's tiers and keyrings plus `n` synthetic environments. */
export function syntheticRoot(repoRoot: string, n: number, parent = tmpdir()): string {
  const root = mkdtempSync(join(parent, `smartbot-bench-${n}-`));
  mkdirSync(join(root, 'environments'), { recursive: true });
  cpSync(join(repoRoot, 'environments/tiers'), join(root, 'environments/tiers'), { recursive: true });
  cpSync(join(repoRoot, 'keyrings'), join(root, 'keyrings'), { recursive: true });
  for (let i = 0; i < n; i++) writeFileSync(join(root, 'environments', `env-${String(i).padStart(5, '0')}.yaml`), syntheticEnvironment(i));
  return root;
}
