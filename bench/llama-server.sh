#!/usr/bin/env bash
# Builds llama.cpp's own llama-server from the source bundle node-llama-cpp ships (no download),
# once: the build is cached under $SMARTBOT_CACHE (default ~/.cache/smartbot) by llama.cpp tag
# and flavour. Prints the binary's path. The first time: minutes (figures in docs/performance.md,
# "The runtime image's build"); instant afterwards.
#   bench/llama-server.sh             this machine's build (-march=native, OpenMP): bench/service's
#                                     baseline, llama-server as llama.cpp builds it by default;
#                                     all of llama.cpp compiled (≈ 7–14 min at -j2)
#   bench/llama-server.sh --portable  the runtime image's build (containers/context.sh): only the
#                                     server is compiled (its sources, the multimodal library it
#                                     links, the vendored HTTP and hash code: ≈ 5 CPU-minutes),
#                                     linked against the libraries node-llama-cpp's prebuilt
#                                     package ships for the same llama.cpp tag — ggml, llama and
#                                     llama's common library, with the CPU backend as loadable
#                                     variants (GGML_BACKEND_DL, ggml's own thread pool, no
#                                     OpenMP). The image ships two: x86-64-v3 (AVX2, FMA, F16C: any
#                                     x86-64 server since 2015) and x86-64-v4 (AVX-512), the best
#                                     one the CPU supports chosen when llama-server starts
#                                     (`--poll 0` lets waiting threads sleep). Laid out as the
#                                     image ships it:
#                                       llama-server, lib*.so    the server and its libraries ($ORIGIN)
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
    # -prebuilt: the server on node-llama-cpp's libraries (a cache of the earlier, fully compiled
    # build under <tag>-cpu-variants is left alone).
    cache="$cache-cpu-variants-prebuilt"
    # The configuration node-llama-cpp's libraries were built with, so that the server's
    # compile definitions match them (shared libraries, loadable CPU backends, subprocesses).
    flags=(-DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON -DBUILD_SHARED_LIBS=ON -DGGML_OPENMP=OFF
           -DCMAKE_EXPORT_COMPILE_COMMANDS=ON) ;;
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
# The web UI would be downloaded: off. No curl, TLS, tests or examples.
cmake -S "$cache" -B "$cache/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF "${flags[@]}" >&2
if [ "$flavour" = native ]; then
  cmake --build "$cache/build" --target llama-server -j"$(nproc)" >&2
  echo "$bin"
  exit 0
fi

# The portable build: the server's own code compiled, everything else node-llama-cpp's.
prebuilt="$root/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64"
[ -f "$prebuilt/libllama-common.so" ] || { echo "llama-server: node-llama-cpp's prebuilt libraries are missing ($prebuilt): run npm ci on linux-x64" >&2; exit 1; }
built=$(node -p "require('$prebuilt/_nlcBuildMetadata.json').buildOptions.llamaCpp.release")
[ "$built" = "$tag" ] || { echo "llama-server: node-llama-cpp's prebuilt libraries are llama.cpp $built, its source bundle $tag: reinstall node-llama-cpp (npm ci)" >&2; exit 1; }
libs=(libggml-base.so "libggml.$tag.so" "libllama.$tag.so" libllama-common.so)
for v in "${variants[@]}"; do cpu_libs+=("libggml-cpu-${v%%:*}.so"); done
for lib in "${libs[@]}" "${cpu_libs[@]}"; do
  [ -f "$prebuilt/$lib" ] || { echo "llama-server: node-llama-cpp's prebuilt package has no $lib (update bench/llama-server.sh)" >&2; exit 1; }
done
# The web UI's (empty) embedded assets: generated by a small host tool.
cmake --build "$cache/build" --target llama-ui -j"$(nproc)" >&2
# The server, the multimodal library it links (mtmd) and the vendored HTTP and hash code, each
# compiled as CMake would (its compile_commands.json), all at once; nothing else of llama.cpp.
node -e '
  const all = require(process.argv[1]);
  const wanted = (f) => /\/(tools\/server|tools\/mtmd|vendor)\//.test(f) && !/\/(mtmd-cli|deprecation-warning)\.cpp$|\/mtmd\/(debug|tests)\//.test(f);
  for (const c of all.filter((c) => wanted(c.file))) process.stdout.write(`cd ${c.directory} && ${c.command}\0`);
' "$cache/build/compile_commands.json" > "$cache/build/server-sources"
[ -s "$cache/build/server-sources" ] || { echo "llama-server: no server sources in $cache/build/compile_commands.json (update bench/llama-server.sh)" >&2; exit 1; }
xargs -0 -P"$(nproc)" -n1 sh -c >&2 < "$cache/build/server-sources" || { echo "llama-server: compiling the server failed (the compiler's messages are above)" >&2; exit 1; }
out="$cache/dist.partial"
rm -rf "$out" && mkdir -p "$out/cpu"
c++ -O3 -o "$out/llama-server" $(find "$cache/build/tools/server" "$cache/build/tools/mtmd" "$cache/build/vendor" -name '*.o' | sort) \
  "$cache/build/tools/ui/libllama-ui.a" "${libs[@]/#/$prebuilt/}" -lpthread -Wl,-rpath,'$ORIGIN' >&2 || { echo "llama-server: linking the server against node-llama-cpp's libraries failed (above)" >&2; exit 1; }
cp "${libs[@]/#/$prebuilt/}" "$out/"
for v in "${variants[@]}"; do
  name=${v%%:*} level=${v#*:}
  cp "$prebuilt/libggml-cpu-$name.so" "$out/cpu/"
  mkdir -p "$out/cpu/$level" && ln -s "../libggml-cpu-$name.so" "$out/cpu/$level/libggml-cpu-$name.so"
done
"$out/llama-server" --version >/dev/null 2>&1 || { echo "llama-server: the server linked against node-llama-cpp's libraries does not start ($out/llama-server --version)" >&2; exit 1; }
mv "$out" "$cache/dist"
echo "$bin"
