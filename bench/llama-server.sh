#!/usr/bin/env bash
# Builds llama.cpp's own llama-server from the source bundle node-llama-cpp ships (no download),
# once: the binary is cached under $SMARTBOT_CACHE (default ~/.cache/smartbot) by llama.cpp tag.
# Prints the binary's path. ≈ 10–14 min at -j2 the first time; instant afterwards.
# Usage: bench/llama-server.sh            (exit 1 with one line when it cannot be built)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
llama="$root/node_modules/node-llama-cpp/llama"
tag=$(node -p "require('$llama/llama.cpp.info.json').tag")
cache="${SMARTBOT_CACHE:-$HOME/.cache/smartbot}/llama-server/$tag"
bin="$cache/build/bin/llama-server"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
for tool in git cmake c++; do command -v "$tool" >/dev/null || { echo "llama-server: $tool is missing (apt-get install git cmake g++)" >&2; exit 1; }; done
[ -f "$llama/gitRelease.bundle" ] || { echo "llama-server: $llama/gitRelease.bundle is missing" >&2; exit 1; }
mkdir -p "$(dirname "$cache")"
rm -rf "$cache"   # an interrupted build: start over
git clone -q "$llama/gitRelease.bundle" "$cache" >&2
# The web UI would be downloaded: off. OpenMP on (as llama-server ships); no curl, tests or examples.
cmake -S "$cache" -B "$cache/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF >&2
cmake --build "$cache/build" --target llama-server -j"$(nproc)" >&2
echo "$bin"
