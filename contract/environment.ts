/* GENERATED from schemas/environment.schema.json by `smartbot schema-types` — do not edit.
   Run `npm run schema:types` after changing the schema. */

/**
 * One model of `models`: a local or a remote model, with the id clients choose it by.
 */
export type ModelEntry = LocalModel | RemoteModel;
/**
 * Prometheus duration, e.g. 30s, 1m, 5m, 1h30m.
 */
export type Duration = string;

/**
 * One smartbot environment after its tier defaults are merged in (environments/tiers/<tier>.yaml, then environments/<env>.yaml). Everything downstream — validation, the generators, the service's config — reads this shape.
 */
export interface SmartbotEnvironment {
  /**
   * Which tier's defaults this environment is layered over. `base` is a single small deployment; `enterprise` adds high availability, TLS, an IP allowlist and backups (enforced by policy rules).
   */
  tier: 'base' | 'enterprise';
  /**
   * Free text; the Namespace carries it as the smartbot.dev/description annotation.
   */
  description?: string;
  /**
   * The chat service being deployed.
   */
  service: {
    /**
     * Service name; used for Kubernetes object names and labels (DNS-1123 label).
     */
    name: string;
    /**
     * Semantic version of the service release.
     */
    version: string;
    /**
     * Container image reference (repository[:tag][@sha256:digest]).
     */
    image: string;
    /**
     * Container image of the llama.cpp runtime that serves local GGUF models beside the service (same pod; not used for remote models).
     */
    runtimeImage: string;
  };
  /**
   * Number of pods when autoscaling is off; the starting size when it is on.
   */
  replicas: number;
  /**
   * Autoscaling on what LLM serving is limited by: the share of each pod's sequences that are busy, requests waiting counted as busy too — never CPU (decoding takes every core it is given from the first request). Rendered as a KEDA ScaledObject or an autoscaling/v2 HPA on a Pods metric (docs/autoscaling.md).
   */
  autoscaling: {
    /**
     * Render the autoscaler; the Deployment then leaves its replica count to it.
     */
    enabled: boolean;
    /**
     * `keda`: a KEDA ScaledObject with a prometheus trigger on the service's series (KEDA 2.x in the cluster). `hpa`: an autoscaling/v2 HorizontalPodAutoscaler on the Pods metric `smartbot_sequence_load`, which prometheus-adapter serves with the rule rendered into rendered/<env>/prometheus-adapter/rules.yaml.
     */
    engine: 'keda' | 'hpa';
    /**
     * Minimum pods (count).
     */
    min: number;
    /**
     * Maximum pods (count); must be ≥ min.
     */
    max: number;
    /**
     * Scale so that each pod's sequences are this busy on average, percent, in (0, 100]; a waiting request counts as one more busy sequence (4 sequences busy and 2 waiting is 150 %). Keep it under the measured knee (contract/scaling.ts, docs/autoscaling.md): past it p99 climbs before a new pod can load.
     */
    targetBusyPercent: number;
    /**
     * Scale to no pods after the cooldown when nothing is asked (engine keda; base tier; an ingress, whose request counter wakes it). The first requests after an idle period are answered 503 until a pod has loaded the model (docs/autoscaling.md, 0 → 1).
     */
    scaleToZero: boolean;
    /**
     * The Prometheus the autoscaler queries.
     */
    prometheus: {
      /**
       * Prometheus's HTTP address as KEDA reaches it (the engine hpa reads through prometheus-adapter, which has its own).
       */
      serverAddress: string;
    };
  };
  /**
   * TCP ports. All ports must be distinct and in 1–65535.
   */
  ports: {
    /**
     * Port clients connect to (Service port, host port in compose).
     */
    external: number;
    /**
     * Port the service process listens on inside the container.
     */
    internal: number;
    /**
     * Optional admin console port (metrics, health); omit to disable.
     */
    admin?: number;
    /**
     * Optional HTTPS port served by the ingress when TLS is on.
     */
    https?: number;
  };
  /**
   * Public HTTP(S) entry through an Ingress controller. Omit for cluster-internal environments.
   */
  ingress?: {
    /**
     * Public host name (DNS name, no scheme).
     */
    host: string;
    /**
     * IngressClass name; TLS and allowlist annotations are written for ingress-nginx.
     */
    className: string;
  };
  /**
   * Per-pod compute and storage. Requests equal limits (Guaranteed QoS) so model memory is never overcommitted.
   */
  resources: {
    /**
     * CPU, as a Kubernetes quantity ("2" = 2 vCPU, "500m" = half a vCPU).
     */
    cpu: string;
    /**
     * Memory limit, as a Kubernetes quantity in binary units (Mi, Gi).
     */
    memory: string;
    /**
     * Persistent volume for models and state.
     */
    storage: {
      /**
       * Volume size, as a Kubernetes quantity in binary units.
       */
      size: string;
      /**
       * StorageClass name (an SSD class in the guide).
       */
      class: string;
    };
  };
  /**
   * The one model answers come from: a local GGUF file served by the llama.cpp runtime beside the service, or a remote OpenAI-compatible API. Give either `model` or `models` (several, chosen by the request's `model`).
   */
  model?: LocalModel | RemoteModel;
  /**
   * Several models behind one endpoint, instead of `model`: clients choose one by its `id` in the request's `model` field (GET /v1/models lists them), and a model that cannot start an answer hands the request to its `fallbacks`. Each entry is a local or remote model as in `model`, plus its `id`. Local models share the pod: together they must fit `resources.memory`. Set in the environment file, never in a tier.
   *
   * @minItems 1
   */
  models?: [ModelEntry, ...ModelEntry[]];
  /**
   * With `models`: the id that answers requests naming no model (the deployment guide's /api/v1/chat among them); the service is ready when this model is.
   */
  defaultModel?: string;
  /**
   * Generation limits shared by both model sources.
   */
  inference: {
    /**
     * Upper bound on generated tokens per request (tokens).
     */
    maxTokens: number;
    /**
     * Requests decoded together in one context (the guide's batch_size); each gets contextSize tokens of KV cache.
     */
    parallelSequences: number;
    /**
     * Sampling temperature when a request gives none (0 = greedy).
     */
    defaultTemperature: number;
    /**
     * Longest message a request may carry (characters), checked before anything is tokenised. Default: 4 × model.contextSize for local models, 65536 for remote ones.
     */
    maxMessageChars?: number;
    /**
     * Most characters all messages of a request may carry together; the request body limit follows from it (6 bytes a character, plus 128 KiB for tools and schemas). Default: 8 × model.contextSize for local models, 131072 for remote ones.
     */
    maxPromptChars?: number;
  };
  /**
   * Authentication, transport security and network exposure.
   */
  security: {
    /**
     * Where the environment's API-key SHA-256 hashes live (never plaintext keys).
     */
    keyring: {
      /**
       * Keyring file, relative to the repository root: API-key SHA-256 hashes with their lifecycle, managed with `smartbot keys create|rotate|revoke` (each change is recorded in audit/key-rotations.jsonl).
       */
      file: string;
      /**
       * Maximum age of an active API key, in days. `smartbot validate` warns 14 days before a key reaches it and errors after; `smartbot keys rotate --due` rotates keys from the warning on. Unset: no limit.
       */
      maxKeyAgeDays?: number;
      /**
       * Enterprise tier: until this date (UTC, inclusive) `smartbot keys verify` accepts an audit history without a workflow key (audit/workflow-key.pub), with a warning on every run; after it, and always when unset, the missing key is an error. A transition while the signing workflow is set up (docs/keys.md, "The workflow key"); remove it once the key is committed.
       */
      unsignedAuditUntil?: string;
    };
    /**
     * Optional JWT access tokens (EdDSA), minted by `smartbot token`. Tokens name their signing key in the `kid` header; the service verifies them against these public keys.
     */
    jwt?: {
      /**
       * The signing keys tokens may name: the current (`active`) key, and during a rotation the previous one (`retiring`, until `retiresAt`). `smartbot keys rotate --jwt` maintains this list.
       *
       * @minItems 1
       */
      keys: [JwtKey, ...JwtKey[]];
      /**
       * Expected `iss` claim.
       */
      issuer?: string;
      /**
       * Expected `aud` claim; when set, tokens without it are refused.
       */
      audience?: string;
      /**
       * Longest lifetime (`exp` − `iat`, seconds) a token may have; longer ones are refused.
       */
      maxLifetimeSeconds?: number;
    };
    /**
     * TLS at the ingress.
     */
    tls: {
      /**
       * Serve HTTPS on ports.https.
       */
      enabled: boolean;
      /**
       * Lowest TLS protocol version accepted.
       */
      minVersion: '1.2' | '1.3';
      /**
       * Kubernetes TLS Secret holding the certificate (give this or issuer).
       */
      secretName?: string;
      /**
       * cert-manager ClusterIssuer that issues the certificate (give this or secretName).
       */
      issuer?: string;
    };
    /**
     * Client CIDRs allowed to reach the service port. Empty means no restriction (base tier only).
     */
    ipAllowlist: string[];
    /**
     * Encryption of data at rest (backups, cache payloads).
     */
    encryption: {
      /**
       * AES-256-GCM; AES-256-CBC is accepted as legacy with a warning.
       */
      algorithm: 'AES-256-GCM' | 'AES-256-CBC';
    };
    /**
     * Where ExternalSecrets read secret values from (External Secrets Operator).
     */
    secretStore: {
      /**
       * Store kind.
       */
      kind: 'ClusterSecretStore' | 'SecretStore';
      /**
       * Store name.
       */
      name: string;
    };
    /**
     * Browser access to the API (CORS). Preflight requests are answered before authentication; an origin that is not listed gets no CORS headers (a preflight from it: 403).
     */
    cors: {
      /**
       * Origins allowed to call the API from a browser, exactly as browsers send them (`https://app.example.com`, scheme://host[:port], no path), or `*` for any. Empty: no cross-origin access.
       */
      allowedOrigins: string[];
      /**
       * Answer `Access-Control-Allow-Credentials: true`, so browsers send cookies and HTTP authentication. Never together with `*` in the enterprise tier.
       */
      allowCredentials: boolean;
    };
  };
  /**
   * How the service's HTTP server treats connections: timeouts, and the grace period of a shutdown.
   */
  server: {
    /**
     * A client must send its request line and headers within this time, or it gets 408 and the connection is closed (seconds). At most requestTimeoutSeconds.
     */
    headersTimeoutSeconds: number;
    /**
     * A client must send its whole request, headers and body, within this time, or it gets 408 (seconds). The answer is not bounded by it: generation and streams take as long as they take.
     */
    requestTimeoutSeconds: number;
    /**
     * An idle keep-alive connection is closed after this (seconds). Keep it above the idle timeout of the proxy in front (ingress-nginx: 60 s), or the proxy may reuse a connection the service is closing.
     */
    keepAliveTimeoutSeconds: number;
    /**
     * On SIGTERM the service stops being ready and answers new requests 503, and in-flight answers (streams included) have this long to finish before they are cut and the process exits (seconds). The pod's terminationGracePeriodSeconds is this plus 5 s to close and exit.
     */
    shutdownGraceSeconds: number;
  };
  /**
   * Service log output and container log rotation.
   */
  logging: {
    /**
     * `line` is the guide's `[YYYY-MM-DD HH:MM:SS] [LEVEL] message`; `json` is one JSON object per line.
     */
    format: 'line' | 'json';
    /**
     * Lowest level written.
     */
    level: 'debug' | 'info' | 'warn' | 'error';
    /**
     * json-file driver: rotate after this size (k, m or g suffix).
     */
    maxSize: string;
    /**
     * json-file driver: rotated files kept (count).
     */
    maxFile: number;
  };
  /**
   * Prometheus alerting thresholds, rendered into a PrometheusRule.
   */
  monitoring: {
    /**
     * Each alert fires when its value stays above the threshold for its `for` window.
     */
    alerts: {
      cpuPercent: PercentAlert;
      memoryPercent: PercentAlert1;
      p99LatencySeconds: LatencyAlert;
      errorRatePercent: PercentAlert2;
    };
  };
  /**
   * Response cache for identical deterministic requests.
   */
  cache: {
    /**
     * Redis connection. Give `url` (no credentials in it) or `secretRef` (a Secret holding the full URL).
     */
    redis: {
      /**
       * Use the cache.
       */
      enabled: boolean;
      /**
       * redis:// or rediss:// URL without a password.
       */
      url?: string;
      secretRef?: SecretRef;
      /**
       * Cache entry lifetime (seconds).
       */
      ttlSeconds: number;
    };
  };
  /**
   * Scheduled volume snapshots.
   */
  backups: {
    /**
     * Render the backup CronJob.
     */
    enabled: boolean;
    /**
     * Cron schedule, five fields, UTC ("0 3 * * *" = daily at 03:00).
     */
    schedule: string;
    /**
     * How many snapshots to keep (count).
     */
    retention: number;
  };
  /**
   * The smoke test after every sync: `smartbot smoke` runs from the service image against the in-cluster Service, as an Argo CD PostSync hook Job or, with Flux, in a check Kustomization that depends on the app's. Its verdict uses `monitoring.alerts`. It sends the API key held in `secretRef` (make one with `smartbot keys create --env <env> --id smoke`), delivered by an ExternalSecret.
   */
  verify: {
    /**
     * Render the smoke Job, its NetworkPolicy and config (on by default in the enterprise tier).
     */
    enabled: boolean;
    /**
     * How long the stress part runs: seconds (1s–999s) or minutes (1m–10m).
     */
    duration: string;
    /**
     * Requests in flight at once during the stress part (count).
     */
    concurrency: number;
    /**
     * The stress part stops after this many requests, even before its duration is over (count).
     */
    maxRequests: number;
    secretRef: SecretRef;
  };
  /**
   * How the rendered manifests reach a cluster.
   */
  sync: {
    /**
     * GitOps engine that applies rendered/<env>/kubernetes.
     */
    engine: 'argocd' | 'flux';
    /**
     * Destination cluster API URL (Argo CD) or name.
     */
    cluster: string;
    /**
     * Namespace the environment is deployed into (DNS-1123 label).
     */
    namespace: string;
    /**
     * Apply changes automatically when rendered/ changes.
     */
    autoSync: boolean;
    /**
     * Delete cluster objects that are no longer rendered.
     */
    prune: boolean;
    /**
     * Argo CD only: the environment is an element of its destination cluster's ApplicationSet (rendered/_clusters/<cluster>/argocd/applicationset.yaml: a git files generator over rendered/* /argocd/appset-<cluster>.yaml) instead of an Application of its own, as Argo CD recommends beyond a few hundred applications.
     */
    applicationSet?: boolean;
    /**
     * Revert manual changes made in the cluster.
     */
    selfHeal?: boolean;
    /**
     * Git repository Argo CD / Flux read rendered/<env>/kubernetes from.
     */
    repoURL: string;
    /**
     * Branch or tag to follow.
     */
    revision: string;
  };
}
/**
 * A GGUF file loaded in-process by node-llama-cpp.
 */
export interface LocalModel {
  /**
   * Selects the local variant.
   */
  source: 'local';
  /**
   * Absolute path of the model inside the container (the models volume is mounted at /data/models). Validation reads the file from --models-dir by its base name when present.
   */
  path: string;
  /**
   * Model file format; the path's extension must match.
   */
  format: 'gguf';
  /**
   * SHA-256 of the file, lowercase hex; checked before loading.
   */
  sha256: string;
  /**
   * File size in bytes; used for the capacity pre-flight when the file is not present.
   */
  sizeBytes?: number;
  /**
   * KV-cache tokens per sequence (tokens).
   */
  contextSize: number;
  /**
   * Layers offloaded to a GPU; > 0 requests a GPU in Kubernetes.
   */
  gpuLayers?: number;
  /**
   * CPU threads for inference; default is the CPU limit rounded down (min 1).
   */
  threads?: number;
  /**
   * What clients send as `model` to choose this model (unique in the environment). Default for a single `model`: the file's base name without .gguf (local) or the upstream model name (remote); required in `models`.
   */
  id?: string;
  /**
   * Ids of the models that answer, in order, when this one cannot start an answer: not ready, queue full, upstream 5xx, timeout or refused connection, or a prompt over its context when the next model's context is larger. Never after the first byte of a stream.
   */
  fallbacks?: string[];
}
/**
 * Any OpenAI-compatible chat completions API.
 */
export interface RemoteModel {
  /**
   * Selects the remote variant.
   */
  source: 'remote';
  /**
   * Base URL of the API (…/v1); https unless loopback.
   */
  endpoint: string;
  /**
   * Model name sent upstream.
   */
  model: string;
  /**
   * Credential sent upstream, read from a Secret.
   */
  auth: {
    /**
     * `bearer` and `jwt` send Authorization: Bearer; `api-key` sends the api-key header.
     */
    type: 'bearer' | 'jwt' | 'api-key';
    secretRef: SecretRef;
  };
  /**
   * Per-request upstream timeout (milliseconds).
   */
  timeoutMs: number;
  /**
   * What clients send as `model` to choose this model (unique in the environment). Default for a single `model`: the file's base name without .gguf (local) or the upstream model name (remote); required in `models`.
   */
  id?: string;
  /**
   * Ids of the models that answer, in order, when this one cannot start an answer: not ready, queue full, upstream 5xx, timeout or refused connection, or a prompt over its context when the next model's context is larger. Never after the first byte of a stream.
   */
  fallbacks?: string[];
}
/**
 * A key in a Kubernetes Secret (delivered by ExternalSecret). Locally the service reads it from $SMARTBOT_SECRET_<NAME>_<KEY> or /var/run/secrets/smartbot/<name>/<key>.
 */
export interface SecretRef {
  /**
   * Secret name.
   */
  name: string;
  /**
   * Key inside the Secret.
   */
  key: string;
}
/**
 * One Ed25519 signing key, by its public half.
 */
export interface JwtKey {
  /**
   * Key id, sent in the token header (`smartbot token --keygen` prints the JWK thumbprint to use).
   */
  kid: string;
  /**
   * Ed25519 public key, PEM (SPKI). Public by design.
   */
  publicKey: string;
  /**
   * `active` signs new tokens (exactly one); `retiring` still verifies until `retiresAt`; `revoked` verifies nothing.
   */
  status: 'active' | 'retiring' | 'revoked';
  /**
   * For a retiring key: when tokens it signed stop being accepted (RFC 3339 date-time).
   */
  retiresAt?: string;
}
/**
 * CPU usage, percent of the CPU limit (default > 85 for 1m).
 */
export interface PercentAlert {
  /**
   * Fire above this percentage, in (0, 100].
   */
  threshold: number;
  for: Duration;
}
/**
 * Memory working set, percent of the memory limit (default > 90 for 1m).
 */
export interface PercentAlert1 {
  /**
   * Fire above this percentage, in (0, 100].
   */
  threshold: number;
  for: Duration;
}
/**
 * P99 request duration in seconds (default > 2 for 5m).
 */
export interface LatencyAlert {
  /**
   * Fire above this many seconds.
   */
  threshold: number;
  for: Duration;
}
/**
 * 5xx responses, percent of all responses (default > 5 for 1m).
 */
export interface PercentAlert2 {
  /**
   * Fire above this percentage, in (0, 100].
   */
  threshold: number;
  for: Duration;
}
