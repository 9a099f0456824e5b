// The one catalogue of everything smartbot can report: stable rule ids, their severity,
// the message and the fix hint. Code elsewhere reports a rule by id with its parameters and
// never writes message text of its own, so ids and wording stay reviewable in one place.

import type { ChainRuleParams } from '../contract/audit-log.js';

export type Severity = 'error' | 'warning';

interface RuleDef<P> {
  severity: Severity;
  /** One line for docs/rules.md. */
  summary: string;
  message: (p: P) => string;
  fix: (p: P) => string;
}

const rule = <P>(def: RuleDef<P>): RuleDef<P> => def;
const didYouMean = (s?: string) => (s ? ` — did you mean \`${s}\`?` : '');

export const RULES = {
  // --- input and I/O (exit code 2) --------------------------------------------------------
  'io-missing': rule<{ path: string }>({
    severity: 'error',
    summary: 'A path given on the command line does not exist.',
    message: (p) => `no such file or directory: ${p.path}`,
    fix: () => 'Check the path; environments live in environments/<name>.yaml.',
  }),
  'io-unreadable': rule<{ path: string; reason: string }>({
    severity: 'error',
    summary: 'A file exists but cannot be read.',
    message: (p) => `cannot read ${p.path}: ${p.reason}`,
    fix: () => 'Check the file permissions (it must be readable by the user running smartbot).',
  }),
  'io-no-environments': rule<{ path: string }>({
    severity: 'error',
    summary: 'A directory to validate holds no environment files, so nothing would be checked.',
    message: (p) => `no environment files (*.yaml, *.yml) in ${p.path}`,
    fix: () => 'Name the environment files to check, or the directory that holds them (default environments/).',
  }),

  // --- files that do not belong to the repository (never read, never echoed) ------------------
  'file-symlink': rule<{ path: string }>({
    severity: 'error',
    summary: 'An environment, tier or keyring file is a symbolic link: it could point anywhere, such as a CI secret, so it is not read.',
    message: (p) => `${p.path} is a symbolic link; smartbot reads only regular files inside the repository`,
    fix: () => 'Replace the link with a regular file holding the content (git: commit the file, not a link).',
  }),
  'file-not-regular': rule<{ path: string; kind: string }>({
    severity: 'error',
    summary: 'An environment, tier or keyring file is a directory, pipe, device or socket.',
    message: (p) => `${p.path} is a ${p.kind}, not a regular file`,
    fix: () => 'Environment, tier and keyring files must be regular files: replace it with one, or rename it so its name does not end in .yaml / .json.',
  }),
  'file-outside-root': rule<{ path: string }>({
    severity: 'error',
    summary: 'An environment, tier or keyring file lies outside the repository (by `..` or through a linked directory).',
    message: (p) => `${p.path} is outside the repository root; smartbot reads only files inside it`,
    fix: () => 'Keep the file inside the repository, named without `..` and not through a symbolic link that leads out of it.',
  }),
  'file-too-large': rule<{ path: string; size: string; limit: string }>({
    severity: 'error',
    summary: 'A file is larger than the size cap (1 MiB by default); it is not read.',
    message: (p) => `${p.path} is ${p.size}, over the ${p.limit} limit for environment, tier and keyring files`,
    fix: () => 'Check that this is the right file (environments are a few KiB); if it really is, raise the cap with --max-file-size.',
  }),

  // --- YAML ------------------------------------------------------------------------------------
  'yaml-syntax': rule<{ detail: string }>({
    severity: 'error',
    summary: 'The file is not valid YAML.',
    message: (p) => `YAML syntax error: ${p.detail}`,
    fix: () => 'Fix the YAML at the caret: check indentation, brackets and quotes.',
  }),
  'yaml-duplicate-key': rule<{ key: string }>({
    severity: 'error',
    summary: 'A mapping states the same key twice; YAML keeps only one, silently.',
    message: (p) => `duplicate key \`${p.key}\``,
    fix: () => 'Delete one of the two entries; each key may appear once per mapping.',
  }),
  'yaml-tab': rule<Record<string, never>>({
    severity: 'error',
    summary: 'Tabs used for indentation.',
    message: () => 'tab character used for indentation',
    fix: () => 'Indent with spaces (two per level); YAML forbids tabs in indentation.',
  }),
  'yaml-aliases': rule<{ limit: number }>({
    severity: 'error',
    summary: 'Aliases expand beyond the safety limit (a "billion laughs" document).',
    message: (p) => `YAML aliases expand to more than ${p.limit} nodes`,
    fix: () => 'Write the values out instead of nesting anchors and aliases (*name).',
  }),
  'yaml-tag': rule<{ tag: string }>({
    severity: 'error',
    summary: 'A custom or binary YAML tag is used.',
    message: (p) => `YAML tag ${p.tag} is not allowed`,
    fix: () => 'Remove the tag; environment files hold plain strings, numbers, booleans, lists and maps.',
  }),
  'yaml-empty': rule<Record<string, never>>({
    severity: 'error',
    summary: 'The file holds no YAML document.',
    message: () => 'the file is empty',
    fix: () => 'An environment needs at least `tier:` and the settings that differ from its tier.',
  }),
  'yaml-not-mapping': rule<{ kind: string }>({
    severity: 'error',
    summary: 'The document is not a mapping of keys to values.',
    message: (p) => `the document is a ${p.kind}, but an environment must be a mapping (key: value)`,
    fix: () => 'Start the file with `tier: base` (or enterprise) and add settings as keys.',
  }),
  'yaml-multi-document': rule<{ count: number }>({
    severity: 'error',
    summary: 'The file holds more than one YAML document.',
    message: (p) => `the file holds ${p.count} YAML documents (separated by ---); one environment per file`,
    fix: () => 'Move each extra document into its own environments/<name>.yaml.',
  }),
  'yaml-too-deep': rule<{ limit: number }>({
    severity: 'error',
    summary: 'Maps and lists nest deeper than the limit.',
    message: (p) => `maps and lists nest more than ${p.limit} levels deep here`,
    fix: () => 'Environment settings nest a few levels deep; remove the extra brackets or indentation.',
  }),
  'yaml-too-many-entries': rule<{ limit: number }>({
    severity: 'error',
    summary: 'The file holds more keys and list items than the limit.',
    message: (p) => `the file holds more than ${p.limit} keys and list items`,
    fix: () => 'An environment states the few settings that differ from its tier; remove the generated or pasted entries.',
  }),
  'yaml-too-many-tokens': rule<{ limit: number }>({
    severity: 'error',
    summary: 'The file holds more YAML tokens (keys, values, punctuation, comments, line breaks) than the limit.',
    message: (p) => `the file holds more than ${p.limit} YAML tokens (keys, values, punctuation, comments, line breaks)`,
    fix: () => 'An environment file is a few hundred lines at most; remove the generated or pasted content.',
  }),
  'yaml-reserved-key': rule<{ key: string }>({
    severity: 'error',
    summary: 'A key named `__proto__`, `constructor` or `prototype` (they could change how the file is read).',
    message: (p) => `\`${p.key}\` is not allowed as a key`,
    fix: () => 'Remove the key; no setting has this name.',
  }),

  // --- layering --------------------------------------------------------------------------------
  'tier-missing': rule<Record<string, never>>({
    severity: 'error',
    summary: 'The environment does not name its tier.',
    message: () => 'missing `tier:` — every environment is layered over a tier',
    fix: () => 'Add `tier: base` or `tier: enterprise` as the first line.',
  }),
  'tier-model': rule<{ key: string; tier: string }>({
    severity: 'error',
    summary: 'A tier file sets `model`, `models` or `defaultModel`: models are the environment\'s own.',
    message: (p) => `the ${p.tier} tier sets \`${p.key}\`, but models belong to each environment, never to a tier`,
    fix: (p) => `Remove \`${p.key}\` from environments/tiers/${p.tier}.yaml and set it in each environment file that needs it.`,
  }),
  'tier-unknown': rule<{ tier: string; known: string; suggestion?: string }>({
    severity: 'error',
    summary: 'The environment names a tier that has no defaults file.',
    message: (p) => `unknown tier "${p.tier}"${didYouMean(p.suggestion)}`,
    fix: (p) => `Use one of: ${p.known} (environments/tiers/<tier>.yaml).`,
  }),

  // --- schema ----------------------------------------------------------------------------------
  'schema-unknown-key': rule<{ key: string; where: string; suggestion?: string; known: string }>({
    severity: 'error',
    summary: 'A key that the schema does not define (unknown keys are rejected).',
    message: (p) => `unknown key \`${p.key}\` in ${p.where}${didYouMean(p.suggestion)}`,
    fix: (p) => (p.suggestion ? `Rename it to \`${p.suggestion}\`.` : `Known keys here: ${p.known}.`),
  }),
  'schema-required': rule<{ key: string; where: string; hint: string }>({
    severity: 'error',
    summary: 'A required key is missing from the environment and its tier defaults.',
    message: (p) => `missing required key \`${p.key}\` in ${p.where}`,
    fix: (p) => `Add \`${p.key}\` (${p.hint}).`,
  }),
  'schema-type': rule<{ field: string; expected: string; got: string; hint: string }>({
    severity: 'error',
    summary: 'A value has the wrong type.',
    message: (p) => `\`${p.field}\` must be ${p.expected}, got ${p.got}`,
    fix: (p) => p.hint,
  }),
  'schema-enum': rule<{ field: string; allowed: string; got: string; suggestion?: string }>({
    severity: 'error',
    summary: 'A value is not one of the allowed choices.',
    message: (p) => `\`${p.field}\` must be one of ${p.allowed}; got ${p.got}${didYouMean(p.suggestion)}`,
    fix: (p) => `Use one of ${p.allowed}.`,
  }),
  'schema-format': rule<{ field: string; got: string; hint: string }>({
    severity: 'error',
    summary: 'A string does not have the required form.',
    message: (p) => `\`${p.field}\` has an invalid form: ${p.got}`,
    fix: (p) => p.hint,
  }),
  'schema-range': rule<{ field: string; bound: string; got: string; hint: string }>({
    severity: 'error',
    summary: 'A number or list length is out of range.',
    message: (p) => `\`${p.field}\` must be ${p.bound}, got ${p.got}`,
    fix: (p) => p.hint,
  }),
  'schema-model-source': rule<{ got: string }>({
    severity: 'error',
    summary: '`model.source` must select the local or the remote variant.',
    message: (p) => `\`model.source\` must be "local" or "remote", got ${p.got}`,
    fix: () => 'Set `source: local` (a GGUF file) or `source: remote` (an OpenAI-compatible API).',
  }),

  // --- policy ----------------------------------------------------------------------------------
  'enterprise-replicas': rule<{ replicas: number }>({
    severity: 'error',
    summary: 'Enterprise environments run at least 2 replicas.',
    message: (p) => `enterprise tier requires replicas ≥ 2, got ${p.replicas}`,
    fix: () => 'Set `replicas: 2` or more (and autoscaling.min ≥ 2).',
  }),
  'enterprise-tls': rule<{ problem: string }>({
    severity: 'error',
    summary: 'Enterprise environments serve TLS 1.2 or newer.',
    message: (p) => `enterprise tier requires TLS: ${p.problem}`,
    fix: () => 'Set `security.tls.enabled: true` and `minVersion: "1.2"` or "1.3".',
  }),
  'enterprise-allowlist': rule<Record<string, never>>({
    severity: 'error',
    summary: 'Enterprise environments restrict clients with a non-empty IP allowlist.',
    message: () => 'enterprise tier requires a non-empty `security.ipAllowlist`',
    fix: () => 'List the client networks as CIDRs, e.g. `ipAllowlist: [10.0.0.0/8]`.',
  }),
  'enterprise-backups': rule<Record<string, never>>({
    severity: 'error',
    summary: 'Enterprise environments take scheduled backups.',
    message: () => 'enterprise tier requires backups (`backups.enabled: true`)',
    fix: () => 'Set `backups.enabled: true` with a daily `schedule`.',
  }),
  'enterprise-open-allowlist': rule<{ cidr: string }>({
    severity: 'error',
    summary: 'An enterprise allowlist may not admit the whole internet.',
    message: (p) => `enterprise allowlist admits every address: ${p.cidr}`,
    fix: () => 'Replace it with the client networks that need access.',
  }),
  'enterprise-cors-credentials': rule<Record<string, never>>({
    severity: 'error',
    summary: 'An enterprise API does not let every web origin call it with credentials.',
    message: () => 'enterprise tier forbids `*` in `security.cors.allowedOrigins` together with `allowCredentials: true`: any web page could call the API as its visitor',
    fix: () => 'List the origins that need access (`https://app.example.com`), or set `allowCredentials: false`.',
  }),
  'server-timeouts': rule<{ headers: number; request: number }>({
    severity: 'error',
    summary: 'The headers timeout is at most the whole-request timeout.',
    message: (p) => `\`server.headersTimeoutSeconds\` is ${p.headers}, longer than \`server.requestTimeoutSeconds\` (${p.request}), which includes the headers`,
    fix: () => 'Lower `headersTimeoutSeconds` or raise `requestTimeoutSeconds`.',
  }),
  'port-range': rule<{ field: string; port: number }>({
    severity: 'error',
    summary: 'Ports are in 1–65535.',
    message: (p) => `\`${p.field}\` is ${p.port}, outside 1–65535`,
    fix: () => 'Pick a TCP port between 1 and 65535.',
  }),
  'port-conflict': rule<{ field: string; other: string; port: number }>({
    severity: 'error',
    summary: 'Ports are pairwise distinct.',
    message: (p) => `\`${p.field}\` is ${p.port}, the same as \`${p.other}\``,
    fix: () => 'Give every port its own number.',
  }),
  'remote-https': rule<{ endpoint: string }>({
    severity: 'error',
    summary: 'A remote model endpoint uses https unless it is loopback.',
    message: (p) => `remote endpoint ${p.endpoint} is not https and not loopback`,
    fix: () => 'Use an https:// URL (plain http is allowed only for 127.0.0.1, ::1 or localhost).',
  }),
  'models-both': rule<Record<string, never>>({
    severity: 'error',
    summary: 'An environment has one `model` or a list of `models`, not both.',
    message: () => 'both `model` and `models` are set; an environment has one model or a list of them',
    fix: () => 'Keep `models` (move the single model into it, with an `id`) and remove `model`, or keep `model` and remove `models` and `defaultModel`.',
  }),
  'model-id-duplicate': rule<{ id: string; first: string; again: string }>({
    severity: 'error',
    summary: 'Model ids are unique: clients choose a model by its id.',
    message: (p) => `model id "${p.id}" is used by ${p.first} and again by ${p.again}`,
    fix: () => 'Give each model its own `id`: it is what clients send as `model`.',
  }),
  'default-model-unknown': rule<{ id: string; known: string; suggestion?: string }>({
    severity: 'error',
    summary: '`defaultModel` is the id of one of the models.',
    message: (p) => `\`defaultModel\` is "${p.id}", which is not a model of this environment (ids: ${p.known})${didYouMean(p.suggestion)}`,
    fix: () => 'Set `defaultModel` to the id of the model that answers requests naming none.',
  }),
  'fallback-unknown': rule<{ field: string; id: string; known: string; suggestion?: string }>({
    severity: 'error',
    summary: 'A fallback names a model of the environment.',
    message: (p) => `\`${p.field}\` is "${p.id}", which is not a model of this environment (ids: ${p.known})${didYouMean(p.suggestion)}`,
    fix: () => 'Name a model of `models` by its id, or remove the fallback.',
  }),
  'fallback-cycle': rule<{ field: string; loop: string }>({
    severity: 'error',
    summary: 'Fallbacks do not loop back to a model already tried (a model falling back to itself included).',
    message: (p) => `\`${p.field}\` closes a fallback loop: ${p.loop}`,
    fix: () => 'Remove a fallback from the loop: each model hands a request only to models that do not hand it back.',
  }),
  'percent-range': rule<{ field: string; value: number }>({
    severity: 'error',
    summary: 'Percentages are in (0, 100].',
    message: (p) => `\`${p.field}\` is ${p.value}, outside (0, 100]`,
    fix: () => 'Use a percentage greater than 0 and at most 100.',
  }),
  'alert-duration': rule<{ field: string; value: string }>({
    severity: 'error',
    summary: '`for` windows are Prometheus durations.',
    message: (p) => `\`${p.field}\` is "${p.value}", not a Prometheus duration`,
    fix: () => 'Write a duration like 30s, 1m, 5m or 1h30m (units ms, s, m, h, d, w, y; largest first).',
  }),
  'autoscaling-range': rule<{ min: number; max: number }>({
    severity: 'error',
    summary: 'autoscaling.min ≤ autoscaling.max.',
    message: (p) => `autoscaling.min (${p.min}) is greater than autoscaling.max (${p.max})`,
    fix: () => 'Raise `autoscaling.max` or lower `autoscaling.min`.',
  }),
  'autoscaling-scale-to-zero': rule<{ why: 'enterprise' | 'hpa' | 'no-ingress' }>({
    severity: 'error',
    summary: 'Scale to zero only on the base tier, with the keda engine, behind an ingress (whose request counter wakes it).',
    message: (p) =>
      p.why === 'enterprise'
        ? '`autoscaling.scaleToZero` on the enterprise tier: the first requests after an idle period would wait for a model to load, or fail'
        : p.why === 'hpa'
          ? '`autoscaling.scaleToZero` with `engine: hpa`: an HPA never scales below one pod'
          : '`autoscaling.scaleToZero` without an `ingress`: with no pod there is no series, and nothing else counts the requests that would wake it',
    fix: (p) =>
      p.why === 'enterprise'
        ? 'Remove `scaleToZero` (enterprise environments keep `autoscaling.min` ≥ 2 pods running).'
        : p.why === 'hpa'
          ? 'Set `autoscaling.engine: keda`, or remove `scaleToZero`.'
          : 'Add an `ingress` (host, className), or remove `scaleToZero`.',
  }),
  'cidr-invalid': rule<{ value: string; reason: string }>({
    severity: 'error',
    summary: 'Allowlist entries are valid IPv4 or IPv6 CIDRs.',
    message: (p) => `"${p.value}" is not a valid CIDR: ${p.reason}`,
    fix: () => 'Write address/prefix with host bits zero, e.g. 10.20.0.0/16 or 2001:db8::/32.',
  }),
  'secret-inline': rule<{ field: string; why: string }>({
    severity: 'error',
    summary: 'No key, token or password is written inline; secrets are secretRefs.',
    message: (p) => `\`${p.field}\` looks like inline secret material (${p.why})`,
    fix: () =>
      'Remove the value from git (rotate it if it was ever committed) and reference a Secret: `secretRef: {name: <secret>, key: <key>}`.',
  }),
  'model-extension': rule<{ path: string; format: string; field: string }>({
    severity: 'error',
    summary: 'The model path ends in the extension of its format.',
    message: (p) => `model path ${p.path} does not end in .${p.format}`,
    fix: (p) => `Point \`${p.field}.path\` at the .${p.format} file.`,
  }),
  'model-path': rule<{ path: string; suggestion: string }>({
    severity: 'error',
    summary: 'The model path is absolute and normalised: no `.` or `..` segments, no doubled or trailing slashes.',
    message: (p) => `model path ${p.path} is not normalised: \`.\` and \`..\` segments and doubled or trailing slashes are not allowed`,
    fix: (p) => `Write the plain absolute path, e.g. \`path: ${p.suggestion}\` (the models volume is mounted at /data/models).`,
  }),
  'model-size-unknown': rule<{ path: string; field: string }>({
    severity: 'error',
    summary: 'The capacity pre-flight needs the model file or its sizeBytes.',
    message: (p) => `cannot size model ${p.path}: the file is not present and \`${p.field}.sizeBytes\` is not set`,
    fix: (p) => `Set \`${p.field}.sizeBytes\`, or put the file in --models-dir (default models/).`,
  }),
  'model-unreadable': rule<{ path: string; reason: string }>({
    severity: 'error',
    summary: 'A present model file is not a readable GGUF file.',
    message: (p) => `model file ${p.path} is not readable GGUF: ${p.reason}`,
    fix: () => 'Replace the file with a valid GGUF model (or remove it to size from `model.sizeBytes`).',
  }),
  'model-sha256': rule<{ path: string; expected: string; got: string }>({
    severity: 'error',
    summary: 'A present model file matches model.sha256.',
    message: (p) => `model file corrupt: expected ${p.expected} got ${p.got} (${p.path})`,
    fix: () => 'Restore the right file, or update `model.sha256` if the model was deliberately replaced.',
  }),
  'capacity': rule<{ subject: string; need: string; limit: string; breakdown: string; advice: string }>({
    severity: 'error',
    summary: 'Model weights plus KV cache fit under the memory limit with headroom; the local models of an environment share its pod and fit together.',
    message: (p) => `${p.subject} ${p.need} but the usable memory is ${p.limit} (${p.breakdown})`,
    fix: (p) => p.advice,
  }),
  'capacity-partial': rule<{ path: string }>({
    severity: 'warning',
    summary: 'The capacity pre-flight ran without the model file, so it counted weights only.',
    message: (p) =>
      `capacity checked from model.sizeBytes only: KV cache not counted because ${p.path} is not in the models directory to read its layer sizes`,
    fix: () => 'Put the model in --models-dir (default models/) for a full check.',
  }),
  'tls-certificate': rule<Record<string, never>>({
    severity: 'error',
    summary: 'TLS needs a certificate source.',
    message: () => 'TLS is enabled but neither `security.tls.secretName` nor `security.tls.issuer` is set',
    fix: () => 'Name an existing TLS Secret (`secretName`) or a cert-manager ClusterIssuer (`issuer`).',
  }),
  'tls-ingress': rule<Record<string, never>>({
    severity: 'error',
    summary: 'TLS is served by the Ingress, so it needs one.',
    message: () => 'TLS is enabled but there is no `ingress` to serve it',
    fix: () => 'Add `ingress: {host: bot.example.com, className: nginx}`, or turn TLS off.',
  }),
  'redis-source': rule<Record<string, never>>({
    severity: 'error',
    summary: 'An enabled cache names exactly one of url and secretRef.',
    message: () => 'the Redis cache is enabled but has no `url` or `secretRef` (or has both)',
    fix: () => 'Give `cache.redis.url: redis://host:6379` or `cache.redis.secretRef: {name, key}`, not both.',
  }),
  'encryption-legacy': rule<Record<string, never>>({
    severity: 'warning',
    summary: 'AES-256-CBC is accepted as legacy.',
    message: () => 'AES-256-CBC is legacy (no integrity protection)',
    fix: () => 'Switch `security.encryption.algorithm` to AES-256-GCM.',
  }),
  'keyring-missing': rule<{ file: string }>({
    severity: 'error',
    summary: 'The keyring file exists.',
    message: (p) => `keyring file ${p.file} does not exist`,
    fix: (p) => `Fix the path, or create an empty keyring: echo '{"version": 2, "keys": []}' > ${p.file}`,
  }),

  // --- keyrings, JWT signing keys and the key audit history (validate and `smartbot keys verify`)
  'keyring-invalid': rule<{ file: string; line: number; detail: string }>({
    severity: 'error',
    summary: 'The keyring file is a version 2 keyring: id, name, status, scopes, created, notBefore, expires, sha256 per key.',
    message: (p) => `keyring ${p.file}:${p.line}: ${p.detail}`,
    fix: () => 'Keyrings are written by `smartbot keys create|rotate|revoke`; undo the hand edit (git checkout the file) and use those commands.',
  }),
  'keyring-plaintext': rule<{ file: string; line: number; what: string }>({
    severity: 'error',
    summary: 'No plaintext key, or anything shaped like one, in a keyring or the audit log.',
    message: (p) => `${p.file}:${p.line} holds ${p.what}: plaintext keys are never committed`,
    fix: () => 'Remove it from the file and from git history, revoke the key (`smartbot keys revoke`), and keep keys in a secret manager; the keyring stores only SHA-256 hashes.',
  }),
  'key-age-near': rule<{ id: string; file: string; maxDays: number; due: string; days: number }>({
    severity: 'warning',
    summary: 'An active API key is within 14 days of the environment\'s maximum key age.',
    message: (p) => `key ${p.id} in ${p.file} reaches the ${p.maxDays}-day maximum key age on ${p.due} (in ${p.days} days)`,
    fix: (p) => `Rotate it: npx smartbot keys rotate --env <env> --id ${p.id.replace(/\.\d+$/, '')} --reason "…" (or let the scheduled \`keys rotate --due\` do it).`,
  }),
  'key-age-exceeded': rule<{ id: string; file: string; maxDays: number; due: string }>({
    severity: 'error',
    summary: 'An active API key is older than the environment\'s maximum key age.',
    message: (p) => `key ${p.id} in ${p.file} is past the ${p.maxDays}-day maximum key age (due ${p.due})`,
    fix: (p) => `Rotate it now: npx smartbot keys rotate --env <env> --id ${p.id.replace(/\.\d+$/, '')} --reason "…", then render and commit.`,
  }),
  'jwt-active-key': rule<{ count: number }>({
    severity: 'error',
    summary: 'Exactly one JWT signing key is active: the one new tokens are signed with.',
    message: (p) => `\`security.jwt.keys\` has ${p.count} active keys; exactly one signs new tokens`,
    fix: () => 'Mark the previous key `status: retiring` with a `retiresAt`, or rotate with `smartbot keys rotate --jwt --env <env>`.',
  }),
  'jwt-retires-at': rule<{ kid: string; status: string }>({
    severity: 'error',
    summary: 'A retiring JWT key says when it retires; other keys do not.',
    message: (p) => (p.status === 'retiring' ? `JWT key ${p.kid} is retiring but has no \`retiresAt\`` : `JWT key ${p.kid} is ${p.status} but has a \`retiresAt\``),
    fix: (p) => (p.status === 'retiring' ? 'Add `retiresAt: <RFC 3339 time>`: tokens it signed are refused from then on.' : 'Remove `retiresAt`, or mark the key `status: retiring`.'),
  }),
  'jwt-kid-duplicate': rule<{ kid: string }>({
    severity: 'error',
    summary: 'JWT key ids are unique.',
    message: (p) => `JWT key id ${p.kid} is listed twice in \`security.jwt.keys\``,
    fix: () => 'Give each key its own kid (`smartbot token --keygen` prints its JWK thumbprint).',
  }),
  'audit-malformed': rule<ChainRuleParams['audit-malformed']>({
    severity: 'error',
    summary: 'Every audit line is one complete audit entry.',
    message: (p) => `not an audit entry: ${p.detail}`,
    fix: () => 'The audit log is append-only and written only by `smartbot keys`: restore the line from git (git log -p audit/key-rotations.jsonl).',
  }),
  'audit-hash-mismatch': rule<ChainRuleParams['audit-hash-mismatch']>({
    severity: 'error',
    summary: 'An audit entry\'s hash matches its content: it was not edited after it was written.',
    message: (p) => `entry seq ${p.seq} does not match its hash: it was edited after it was written`,
    fix: () => 'Restore the line from git (git log -p audit/key-rotations.jsonl); record changes as new entries with `smartbot keys`.',
  }),
  'audit-seq-missing': rule<ChainRuleParams['audit-seq-missing']>({
    severity: 'error',
    summary: 'No audit entry is missing from the sequence.',
    message: (p) => `entry seq ${p.seq} follows ${p.after ? `seq ${p.after}` : 'the start of the log'}: ${p.missing} missing (deleted?)`,
    fix: () => 'Restore the deleted lines from git (git log -p audit/key-rotations.jsonl); the log is append-only.',
  }),
  'audit-seq-order': rule<ChainRuleParams['audit-seq-order']>({
    severity: 'error',
    summary: 'Audit entries stay in the order they were written.',
    message: (p) => `entry seq ${p.seq} comes after seq ${p.after} (line ${p.afterLine}): entries were reordered`,
    fix: () => 'Put the lines back in seq order (git checkout the file); never move lines in the audit log.',
  }),
  'audit-seq-duplicate': rule<ChainRuleParams['audit-seq-duplicate']>({
    severity: 'error',
    summary: 'Each audit seq is used once.',
    message: (p) => `seq ${p.seq} is used again (first at line ${p.firstLine})`,
    fix: () => 'Remove the repeated or inserted line (git checkout the file); only `smartbot keys` appends entries.',
  }),
  'audit-fork': rule<ChainRuleParams['audit-fork']>({
    severity: 'error',
    summary: 'Two branches that each appended an audit entry fork the chain.',
    message: (p) => `chain fork: this entry and line ${p.firstLine} are both seq ${p.seq} after the same entry — two branches each appended to the audit log`,
    fix: () => 'Rebase onto the target branch keeping its audit log and keyrings (git checkout origin/main -- audit keyrings), then run your `smartbot keys rotate|create|revoke` again.',
  }),
  'audit-prev-hash': rule<ChainRuleParams['audit-prev-hash']>({
    severity: 'error',
    summary: 'Each audit entry\'s prevHash is the hash of the entry before it.',
    message: (p) => `entry seq ${p.seq}: prevHash is not the hash of ${p.prevLine ? `the entry before it (line ${p.prevLine})` : 'the start of the log (64 zeros)'}`,
    fix: () => 'Restore the line from git (git log -p audit/key-rotations.jsonl); entries are chained and cannot be edited or inserted.',
  }),
  'audit-not-canonical': rule<ChainRuleParams['audit-not-canonical']>({
    severity: 'error',
    summary: 'Every audit line is byte for byte the canonical form of its entry (sorted keys, no repeated field, nothing after `hash` but `sig`, no whitespace): no byte lies outside what the hash covers.',
    message: (p) => `entry seq ${p.seq} is not in canonical form: ${p.detail}`,
    fix: () => 'The audit log is written only by `smartbot keys`: restore the line from git (git log -p audit/key-rotations.jsonl). A line with a repeated field can make a JSON reader see a different entry than the one its hash covers.',
  }),
  'audit-signature': rule<ChainRuleParams['audit-signature']>({
    severity: 'error',
    summary: 'Entries from the seq the workflow key names on (and every entry of the scheduled rotation) carry a valid Ed25519 signature by the workflow key.',
    message: (p) =>
      p.reason === 'invalid'
        ? `entry seq ${p.seq}: the signature does not verify with the workflow key ${p.keyFile} (forged?)`
        : p.reason === 'no-key'
          ? `entry seq ${p.seq} is signed, but there is no workflow key ${p.keyFile} to check it`
          : p.reason === 'required'
            ? `entry seq ${p.seq} is not signed: ${p.keyFile} requires a signature on every entry from seq ${p.from} on`
            : `entry seq ${p.seq} names the scheduled rotation as its actor but is not signed`,
    fix: (p) =>
      p.reason === 'required'
        ? `Record key changes through the workflow that holds the signing key (SMARTBOT_AUDIT_SIGNING_KEY): the scheduled rotation, or a manual run of it; restore this entry from git and make the change there.`
        : `Restore the entry from git. Only the workflow signs, with the private half of ${p.keyFile} (secret SMARTBOT_AUDIT_SIGNING_KEY).`,
  }),
  'audit-workflow-key': rule<{ file: string; detail: string }>({
    severity: 'error',
    summary: 'audit/workflow-key.pub, when present, is a `signed-from-seq: N` line and an Ed25519 public key.',
    message: (p) => `${p.file} is not a workflow key: ${p.detail}`,
    fix: () => 'Write it with `npx smartbot keys workflow-key --public-key FILE` (docs/keys.md, "The workflow key"), or restore it from git.',
  }),
  'audit-workflow-key-missing': rule<{ env: string; file: string; until?: string }>({
    severity: 'error',
    summary: 'An enterprise environment\'s key history is signed: audit/workflow-key.pub exists (or `security.keyring.unsignedAuditUntil` has not passed).',
    message: (p) =>
      `${p.env} is on the enterprise tier, but there is no workflow key ${p.file}: every audit entry is unsigned, so anyone who can push can rewrite the history and recompute the chain${p.until ? ` (the transition \`security.keyring.unsignedAuditUntil: ${p.until}\` has passed)` : ''}`,
    fix: (p) => `Set up the workflow key (docs/keys.md, "The workflow key"): keygen, the SMARTBOT_AUDIT_SIGNING_KEY secret, then \`npx smartbot keys workflow-key --public-key FILE\` and commit ${p.file}.`,
  }),
  'audit-rewritten': rule<{ what: string; ref: string }>({
    severity: 'error',
    summary: 'The key history only grows: against the base branch (`keys verify --base REF`), every existing line is unchanged and the workflow key stays.',
    message: (p) => `${p.what} (base ${p.ref})`,
    fix: (p) => `The audit log is append-only: restore it from the base (git checkout ${p.ref} -- audit/), then record changes as new entries with \`smartbot keys\`.`,
  }),
  'audit-checkpoint': rule<{ detail: string }>({
    severity: 'error',
    summary: 'The key history holds the newest checkpoint main recorded (`keys verify --checkpoint`): no entry recorded on main was removed or rewritten since.',
    message: (p) => p.detail,
    fix: () => 'Restore audit/key-rotations.jsonl from main (git checkout origin/main -- audit/): entries recorded on main are never removed.',
  }),
  'audit-replay': rule<{ seq: number; env: string; keyId: string; problem: 'unknown' | 'exists' | 'not-active' | 'revoked' }>({
    severity: 'error',
    summary: 'Every audit entry applies to the keys its environment had at that point.',
    message: (p) =>
      `entry seq ${p.seq} (${p.env}) ${p.problem === 'unknown' ? `names key ${p.keyId}, which does not exist` : p.problem === 'exists' ? `creates key ${p.keyId}, which already exists` : p.problem === 'not-active' ? `rotates key ${p.keyId}, which is not active` : `revokes key ${p.keyId}, which is already revoked`}`,
    fix: () => 'The history was edited (hashes recomputed): restore audit/key-rotations.jsonl from git.',
  }),
  'keyring-drift': rule<{ file: string; env: string; committed: string; replay: string }>({
    severity: 'error',
    summary: 'A committed keyring (or security.jwt.keys) is what replaying the audit log gives: no out-of-band edits.',
    message: (p) => `${p.file} differs from the audit replay for ${p.env}: committed ${p.committed}, replay ${p.replay} — an out-of-band edit`,
    fix: () => 'Undo the hand edit (git checkout the file) and change keys only with `smartbot keys create|rotate|revoke`, which record each change in audit/key-rotations.jsonl.',
  }),
} as const;

export type RuleId = keyof typeof RULES;
export type RuleParams<R extends RuleId> = Parameters<(typeof RULES)[R]['message']>[0];
