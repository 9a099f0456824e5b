#!/usr/bin/env bash
# Builds llama.cpp's own llama-server from the source bundle node-llama-cpp ships (no download),
# once: the binary is cached under $SMARTBOT_CACHE (default ~/.cache/smartbot) by llama.cpp tag
# and flavour. Prints the binary's path. ≈ 10–14 min at -j2 the first time; instant afterwards.
#   bench/llama-server.sh             this machine's build (-march=native, OpenMP): bench/service's
#                                     baseline, llama-server as llama.cpp builds it by default
#   bench/llama-server.sh --portable  the runtime image's build (containers/context.sh): x86-64-v3
#                                     (AVX2, FMA, F16C: any x86-64 server since 2015), not
#                                     -march=native; ggml's own thread pool instead of OpenMP (no
#                                     libgomp in the image; `--poll 0` lets waiting threads sleep);
#                                     libstdc++ linked in
# Exit 1 with one line when it cannot be built. Concurrent callers wait for one build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
llama="$root/node_modules/node-llama-cpp/llama"
tag=$(node -p "require('$llama/llama.cpp.info.json').tag")
cache="${SMARTBOT_CACHE:-$HOME/.cache/smartbot}/llama-server/$tag"
flags=(-DGGML_NATIVE=ON)
case "${1:-}" in
  "") ;;
  --portable)
    cache="$cache-portable"
    flags=(-DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_BMI2=ON -DGGML_FMA=ON -DGGML_F16C=ON
           -DGGML_OPENMP=OFF "-DCMAKE_EXE_LINKER_FLAGS=-static-libgcc -static-libstdc++") ;;
  *) echo "usage: bench/llama-server.sh [--portable]" >&2; exit 2 ;;
esac
bin="$cache/build/bin/llama-server"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
for tool in git cmake c++ flock; do command -v "$tool" >/dev/null || { echo "llama-server: $tool is missing (apt-get install git cmake g++)" >&2; exit 1; }; done
[ -f "$llama/gitRelease.bundle" ] || { echo "llama-server: $llama/gitRelease.bundle is missing" >&2; exit 1; }
mkdir -p "$(dirname "$cache")"
exec 9>"$cache.lock"
flock 9
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi   # built meanwhile by another caller
rm -rf "$cache"   # an interrupted build: start over
git clone -q "$llama/gitRelease.bundle" "$cache" 2>/dev/null
# The web UI would be downloaded: off. No curl, TLS, tests or examples.
cmake -S "$cache" -B "$cache/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF "${flags[@]}" >&2
cmake --build "$cache/build" --target llama-server -j"$(nproc)" >&2
echo "$bin"
