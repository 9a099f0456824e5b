#!/usr/bin/env bash
# Prepares the (small) build context of one image from the built toolchain, so docker build
# never downloads node_modules: production dependencies come from the host's npm cache
# (`npm ci --omit=dev --omit=optional`), and the runtime adds only node-llama-cpp's linux-x64
# CPU binary (not the CUDA, Vulkan and ARM ones: ~950 MB with them, ~110 MB without) and
# llama-server with its libraries and CPU variants: the server and the variants compiled once
# from node-llama-cpp's llama.cpp source, against that package's prebuilt ggml and llama
# libraries, and cached on this machine (bench/llama-server.sh --portable: ≈ 3 min at -j2 the
# first time, then instant).
# Usage: containers/context.sh service|runtime OUT_DIR     (run `npm run build` first)
set -euo pipefail
kind=${1:?usage: context.sh service|runtime OUT_DIR}
out=${2:?usage: context.sh service|runtime OUT_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$root/dist/service/src/entries/main.js" ] || { echo "context.sh: build first (npm run build)" >&2; exit 2; }

rm -rf "$out" && mkdir -p "$out/app/dist" "$out/scripts" "$out/bin"
cp "$root/package.json" "$root/package-lock.json" "$out/app/"
# Only the entries' import closure: the service, the runtime, model_loader, the token command,
# and (service image) `smartbot smoke`, the post-sync Job's command.
case "$kind" in
  service) entries="service/src/entries/main.js cli/token.js cli/smoke.js" ;;
  runtime) entries="service/src/entries/llama-runtime.js service/src/entries/model-loader.js cli/token.js" ;;
  *) echo "context.sh: unknown image $kind" >&2; exit 2 ;;
esac
# shellcheck disable=SC2086
node "$root/containers/closure.mjs" "$root/dist" $entries | (cd "$root/dist" && xargs cp --parents -t "$out/app/dist")
cp "$root/service/scripts/generate_token.sh" "$out/scripts/"
cp "$root/containers/$kind.Dockerfile" "$out/Dockerfile"
# Production dependencies, less those the closure never imports (the toolchain's: ajv, yaml,
# handlebars, octokit…). Inference happens in the runtime container: the API image carries no
# llama.cpp even though the service can load it in-process (npm start, tests).
# shellcheck disable=SC2086
keep=$(node "$root/containers/closure.mjs" --packages "$root/dist" $entries)
[ "$kind" = service ] && keep=$(printf '%s\n' "$keep" | grep -vx node-llama-cpp)
drop=$(KEEP="$keep" node -e 'const keep = new Set(process.env.KEEP.split("\n")); console.log(Object.keys(require(process.argv[1]).dependencies).filter((d) => !keep.has(d)).join(" "))' "$out/app/package.json")
(cd "$out/app" && npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
# shellcheck disable=SC2086
[ -z "$drop" ] || (cd "$out/app" && npm uninstall $drop --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
echo "[context] $kind: dependencies: $(printf '%s ' $keep)(left out: $drop)"
case "$kind" in
  # The admin console's templates and assets: tsc does not copy them into dist/, and
  # service/src/admin/files.ts finds them under app/service/src/admin/.
  service) (cd "$root" && cp --parents service/src/admin/templates/*.hbs service/src/admin/assets/* "$out/app/") ;;
  runtime)
    mkdir -p "$out/app/node_modules/@node-llama-cpp"
    cp -r "$root/node_modules/@node-llama-cpp/linux-x64" "$out/app/node_modules/@node-llama-cpp/"
    cp "$root/containers/bin/model_loader" "$out/bin/"
    # llama-server, its libraries and its CPU variants, as bench/llama-server.sh lays them out.
    server=$("$root/bench/llama-server.sh" --portable)
    mkdir -p "$out/lib" && cp -a "$(dirname "$server")" "$out/lib/llama-server"
    ;;
  *) echo "context.sh: unknown image $kind" >&2; exit 2 ;;
esac
du -sh "$out" | awk -v k="$kind" '{print "[context] " k ": " $1}'
