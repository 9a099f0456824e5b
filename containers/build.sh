#!/usr/bin/env bash
# Builds both images for local runs and the container tests:
#   smartbot/service:${TAG}   smartbot/runtime:${TAG}      (TAG defaults to "test")
# With no registry (CI here), BASE_IMAGE defaults to the offline base from base-images.sh;
# set BASE_IMAGE=node:22-bookworm-slim to build on the official image. Prints each image's size.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
TAG=${TAG:-test}
BASE_IMAGE=${BASE_IMAGE:-smartbot-base/node:22-bookworm}
[ "$BASE_IMAGE" != "smartbot-base/node:22-bookworm" ] || "$root/containers/base-images.sh"
[ -f "$root/dist/service/src/entries/main.js" ] || (cd "$root" && npm run build >/dev/null)
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
for kind in service runtime; do
  "$root/containers/context.sh" "$kind" "$ctx/$kind"
  start=$SECONDS
  if ! docker build --force-rm --build-arg BASE_IMAGE="$BASE_IMAGE" -t "smartbot/$kind:$TAG" "$ctx/$kind" >"$ctx/$kind.log" 2>&1; then
    cat "$ctx/$kind.log" >&2
    echo "[build] smartbot/$kind:$TAG failed" >&2
    exit 1
  fi
  printf '[build] smartbot/%s:%s  %s  (%ss)\n' "$kind" "$TAG" "$(docker image inspect -f '{{.Size}}' "smartbot/$kind:$TAG" | awk '{printf "%.0f MB", $1/1e6}')" "$((SECONDS - start))"
done
