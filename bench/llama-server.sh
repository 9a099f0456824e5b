#!/usr/bin/env bash
# Builds llama.cpp's own llama-server from the source bundle node-llama-cpp ships (no download),
# once: the build is cached under $SMARTBOT_CACHE (default ~/.cache/smartbot) by llama.cpp tag
# and flavour. Prints the binary's path. Exit 1 with one line when it cannot be built.
# Concurrent callers wait for one build. Build times: docs/performance.md.
#   bench/llama-server.sh             this machine's build of everything (-march=native, OpenMP):
#                                     bench/service's baseline, llama-server as llama.cpp builds it
#                                     by default; ≈ 7–14 min at -j2 the first time.
#   bench/llama-server.sh --portable  the runtime image's build (containers/context.sh): the
#                                     server alone (bench/llama-server/CMakeLists.txt: tools/server,
#                                     the multimodal library, cpp-httplib) linked against the ggml,
#                                     llama and llama-common libraries of node-llama-cpp's prebuilt
#                                     linux-x64 package (the same tag), and the CPU backend as
#                                     loadable variants (GGML_BACKEND_DL) compiled here: those of
#                                     CPU_VARIANTS in contract/cpu-variants.ts (x86-64-v3: AVX2, FMA,
#                                     F16C, any x86-64 server since 2015; x86-64-v4: AVX-512), the
#                                     best one the CPU supports chosen when llama-server starts;
#                                     ggml's own thread pool, no OpenMP (no libgomp in the image;
#                                     `--poll 0` lets waiting threads sleep). ≈ 3 min at -j2 the
#                                     first time. Laid out as the image ships it:
#                                       llama-server, lib*.so    the server and its libraries ($ORIGIN)
#                                       cpu/libggml-cpu-*.so     every variant: ggml loads the best
#                                       cpu/<level>/             one variant alone (a link), to force it
#                                     (service/src/llama-server.ts runs llama-server in one of those.)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
llama="$root/node_modules/node-llama-cpp/llama"
tag=$(node -p "require('$llama/llama.cpp.info.json').tag")
cache="${SMARTBOT_CACHE:-$HOME/.cache/smartbot}/llama-server/$tag"
case "${1:-}" in
  "") flavour=native; bin="$cache/build/bin/llama-server" ;;
  --portable)
    flavour=prebuilt
    prebuilt="$root/node_modules/@node-llama-cpp/linux-x64"
    [ -f "$prebuilt/package.json" ] || { echo "llama-server: $prebuilt is missing (npm ci, without --omit=optional)" >&2; exit 1; }
    # By the prebuilt package's version too: a new one brings new libraries for the same tag.
    cache="$cache-prebuilt-$(node -p "require('$prebuilt/package.json').version")"
    prebuilt="$prebuilt/bins/linux-x64"
    bin="$cache/dist/llama-server" ;;
  *) echo "usage: bench/llama-server.sh [--portable]" >&2; exit 2 ;;
esac
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
for tool in git cmake c++ flock; do command -v "$tool" >/dev/null || { echo "llama-server: $tool is missing (apt-get install git cmake g++)" >&2; exit 1; }; done
[ -f "$llama/gitRelease.bundle" ] || { echo "llama-server: $llama/gitRelease.bundle is missing" >&2; exit 1; }
if [ "$flavour" = prebuilt ]; then
  # The server is compiled against the bundle's headers: the libraries must be of the same tag.
  built=$(node -p "require('$prebuilt/_nlcBuildMetadata.json').buildOptions.llamaCpp.release" 2>/dev/null || echo "?")
  [ "$built" = "$tag" ] || { echo "llama-server: $prebuilt was built from llama.cpp $built, the bundle is $tag (reinstall node-llama-cpp: npm ci)" >&2; exit 1; }
  # The image's CPU variants: CPU_VARIANTS in contract/cpu-variants.ts, as ggml-name:level pairs.
  variants=$(node -e 'const s = require("fs").readFileSync(process.argv[1], "utf8");
    console.log([...s.matchAll(/\{ level: .([\w.-]+)., ggml: .(\w+)./g)].map((m) => `${m[2]}:${m[1]}`).join(" "))' "$root/contract/cpu-variants.ts")
  [ -n "$variants" ] || { echo "llama-server: found no CPU_VARIANTS in contract/cpu-variants.ts (update this script's reader)" >&2; exit 1; }
fi
mkdir -p "$(dirname "$cache")"
exec 9>"$cache.lock"
flock 9
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi   # built meanwhile by another caller
rm -rf "$cache"   # an interrupted build: start over
git clone -q "$llama/gitRelease.bundle" "$cache" 2>/dev/null
if [ "$flavour" = native ]; then
  # The web UI would be downloaded: off. No curl, TLS, tests or examples.
  cmake -S "$cache" -B "$cache/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
    -DGGML_NATIVE=ON -DBUILD_SHARED_LIBS=OFF >&2
  cmake --build "$cache/build" --target llama-server -j"$(nproc)" >&2
else
  cmake -S "$root/bench/llama-server" -B "$cache/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_SOURCE="$cache" -DLLAMA_TAG="$tag" -DPREBUILT="$prebuilt" \
    "-DCMAKE_INSTALL_RPATH=\$ORIGIN" -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON >&2
  cmake --build "$cache/build" --target llama-server -j"$(nproc)" >&2
  # The CPU variants are compiled here rather than taken from the package: its builds (GCC 11)
  # decode ≈ 18 % slower at 4 streams on this AVX-512 machine (docs/performance.md). Only they and
  # ggml-base (to link against: the image ships the package's, same tag, same unversioned soname)
  # are built, from llama.cpp's own CMake files with ggml's fourteen variants configured.
  targets=()
  for v in $variants; do
    grep -qE "^[[:space:]]*ggml_add_cpu_backend_variant\(${v%%:*}[ )]" "$cache/ggml/src/CMakeLists.txt" || { echo "llama-server: ggml/src/CMakeLists.txt of $tag has no CPU variant ${v%%:*} (contract/cpu-variants.ts names it)" >&2; exit 1; }
    targets+=("ggml-cpu-${v%%:*}")
  done
  cmake -S "$cache" -B "$cache/build-cpu" -DCMAKE_BUILD_TYPE=Release -DLLAMA_BUILD_COMMON=OFF -DLLAMA_BUILD_TOOLS=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF \
    -DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON -DBUILD_SHARED_LIBS=ON -DGGML_OPENMP=OFF \
    -DCMAKE_PLATFORM_NO_VERSIONED_SONAME=ON "-DCMAKE_INSTALL_RPATH=\$ORIGIN" -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON >&2
  cmake --build "$cache/build-cpu" --target "${targets[@]}" -j"$(nproc)" >&2
  out="$cache/dist.partial"
  rm -rf "$out" && mkdir -p "$out/cpu"
  cp "$cache/build/server/llama-server" "$out/"
  # Every prebuilt library but the node addon and the package's own CPU variants.
  find "$prebuilt" -maxdepth 1 -name 'lib*.so' ! -name 'libggml-cpu-*' -exec cp -t "$out/" {} +
  for v in $variants; do
    name=${v%%:*} level=${v#*:}
    cp "$cache/build-cpu/bin/libggml-cpu-$name.so" "$out/cpu/"
    mkdir -p "$out/cpu/$level" && ln -s "../libggml-cpu-$name.so" "$out/cpu/$level/libggml-cpu-$name.so"
  done
  mv "$out" "$cache/dist"
fi
echo "$bin"
