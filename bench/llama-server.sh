#!/usr/bin/env bash
# Builds llama.cpp's own llama-server from the source bundle node-llama-cpp ships (no download),
# once: the build is cached under $SMARTBOT_CACHE (default ~/.cache/smartbot) by llama.cpp tag
# and flavour. Prints the binary's path. The first time: ≈ 7–14 min at -j2 (figures in
# docs/performance.md); instant afterwards.
#   bench/llama-server.sh             this machine's build (-march=native, OpenMP): bench/service's
#                                     baseline, llama-server as llama.cpp builds it by default
#   bench/llama-server.sh --portable  the runtime image's build (containers/context.sh): the CPU
#                                     backend as loadable variants (GGML_BACKEND_DL), x86-64-v3
#                                     (AVX2, FMA, F16C: any x86-64 server since 2015) and
#                                     x86-64-v4 (AVX-512), the best one the CPU supports chosen
#                                     when llama-server starts; ggml's own thread pool instead of
#                                     OpenMP (no libgomp in the image; `--poll 0` lets waiting
#                                     threads sleep). Laid out as the image ships it:
#                                       llama-server, lib*.so*   the server and its libraries ($ORIGIN)
#                                       cpu/libggml-cpu-*.so     every variant: ggml loads the best
#                                       cpu/<level>/             one variant alone (a link), to force it
#                                     (service/src/llama-server.ts runs llama-server in one of those.)
# Exit 1 with one line when it cannot be built. Concurrent callers wait for one build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
llama="$root/node_modules/node-llama-cpp/llama"
tag=$(node -p "require('$llama/llama.cpp.info.json').tag")
cache="${SMARTBOT_CACHE:-$HOME/.cache/smartbot}/llama-server/$tag"
# The image's CPU variants: ggml's name for each (ggml/src/CMakeLists.txt) and the x86-64 level
# it is (the name the runtime reports and SMARTBOT_CPU_VARIANT takes). Keep in step with
# CPU_VARIANTS in contract/cpu-variants.ts.
variants=(haswell:x86-64-v3 skylakex:x86-64-v4)
case "${1:-}" in
  "") flavour=native; flags=(-DGGML_NATIVE=ON -DBUILD_SHARED_LIBS=OFF) ;;
  --portable)
    flavour=cpu-variants
    cache="$cache-cpu-variants"
    flags=(-DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON -DBUILD_SHARED_LIBS=ON -DGGML_OPENMP=OFF
           "-DCMAKE_INSTALL_RPATH=\$ORIGIN" -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON) ;;
  *) echo "usage: bench/llama-server.sh [--portable]" >&2; exit 2 ;;
esac
if [ "$flavour" = native ]; then bin="$cache/build/bin/llama-server"; else bin="$cache/dist/llama-server"; fi
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
for tool in git cmake c++ flock; do command -v "$tool" >/dev/null || { echo "llama-server: $tool is missing (apt-get install git cmake g++)" >&2; exit 1; }; done
[ -f "$llama/gitRelease.bundle" ] || { echo "llama-server: $llama/gitRelease.bundle is missing" >&2; exit 1; }
mkdir -p "$(dirname "$cache")"
exec 9>"$cache.lock"
flock 9
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi   # built meanwhile by another caller
rm -rf "$cache"   # an interrupted build: start over
git clone -q "$llama/gitRelease.bundle" "$cache" 2>/dev/null
if [ "$flavour" = cpu-variants ]; then
  # GGML_CPU_ALL_VARIANTS builds fourteen x86 variants (≈ 1 min each at -j2); keep only ours.
  keep=$(printf '%s\n' "${variants[@]%%:*}" | paste -sd'|')
  cmakelists="$cache/ggml/src/CMakeLists.txt"
  sed -i -E "/ggml_add_cpu_backend_variant\((x64|sse42|sandybridge|ivybridge|piledriver|haswell|skylakex|cannonlake|cascadelake|icelake|cooperlake|zen4|alderlake|sapphirerapids)[ )]/{/ggml_add_cpu_backend_variant\(($keep)[ )]/!s/^/#/}" "$cmakelists"
  found=$(grep -cE "^[[:space:]]*ggml_add_cpu_backend_variant\(($keep)[ )]" "$cmakelists" || true)
  [ "$found" = "${#variants[@]}" ] || { echo "llama-server: ggml/src/CMakeLists.txt of $tag no longer lists the CPU variants ${keep//|/, } (update bench/llama-server.sh)" >&2; exit 1; }
fi
# The web UI would be downloaded: off. No curl, TLS, tests or examples.
cmake -S "$cache" -B "$cache/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF "${flags[@]}" >&2
cmake --build "$cache/build" --target llama-server -j"$(nproc)" >&2
if [ "$flavour" = cpu-variants ]; then
  out="$cache/dist.partial"
  rm -rf "$out" && mkdir -p "$out/cpu"
  cp -P "$cache/build/bin/llama-server" "$cache/build/bin/"lib*.so* "$out/"
  mv "$out/"libggml-cpu-*.so "$out/cpu/"
  for v in "${variants[@]}"; do
    name=${v%%:*} level=${v#*:}
    [ -f "$out/cpu/libggml-cpu-$name.so" ] || { echo "llama-server: the build made no libggml-cpu-$name.so" >&2; exit 1; }
    mkdir -p "$out/cpu/$level" && ln -s "../libggml-cpu-$name.so" "$out/cpu/$level/libggml-cpu-$name.so"
  done
  mv "$out" "$cache/dist"
fi
echo "$bin"
