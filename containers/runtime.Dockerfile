# The llama.cpp runtime: serves one GGUF model over the OpenAI-compatible API. `--config` runs
# llama.cpp's llama-server (lib/llama-server/: the server compiled from the llama.cpp source
# node-llama-cpp ships, on the ggml/llama libraries of its prebuilt linux-x64 package, cached by
# bench/llama-server.sh --portable; its CPU backend in two variants, x86-64-v3 and x86-64-v4
# (AVX-512), the best one the node's CPU supports loaded at start, or the one
# $SMARTBOT_CPU_VARIANT names) behind the runtime's front (service/src/llama-server.ts); the
# standalone `--path` mode and model_loader use node-llama-cpp (linux-x64 CPU binary only).
# Build context: containers/context.sh runtime DIR.
# /opt/bot/bin/model_loader verifies, describes, sizes and registers a model file.
ARG BASE_IMAGE=node:22-bookworm-slim

FROM ${BASE_IMAGE} AS app
WORKDIR /opt/bot
COPY app/ app/
COPY scripts/ scripts/
COPY bin/ bin/
COPY lib/ lib/
# llama.cpp's bundled sources and build files are for compiling; the prebuilt binary runs.
RUN rm -rf app/node_modules/node-llama-cpp/llama/gitRelease.bundle app/node_modules/node-llama-cpp/llama/llama.cpp app/node_modules/node-llama-cpp/templates \
 && find app/node_modules app/dist \( -name '*.d.ts' -o -name '*.map' -o -name '*.md' \) -type f -delete \
 && chmod 0755 bin/* scripts/*.sh \
 && lib/llama-server/llama-server --version 2>&1 | grep -m1 version \
 && cd app && node --input-type=module -e "await import('node-llama-cpp'); console.log('node-llama-cpp loads')"

FROM ${BASE_IMAGE}
RUN groupadd --system --gid 10001 bot && useradd --system --uid 10001 --gid bot --home-dir /opt/bot --no-create-home bot \
 && mkdir -p /data/models && chown 10001:10001 /data/models
COPY --from=app /opt/bot /opt/bot
# node-llama-cpp (--path mode) runs inference on libuv's pool: one pool thread keeps it off
# llama.cpp's threads.
ENV NODE_ENV=production \
    SMARTBOT_LLAMA_SERVER=/opt/bot/lib/llama-server/llama-server \
    UV_THREADPOOL_SIZE=1 \
    NODE_LLAMA_CPP_SKIP_DOWNLOAD=true \
    SMARTBOT_HEALTH_PORT=8001 \
    PATH=/opt/bot/bin:$PATH
USER 10001:10001
EXPOSE 8001
VOLUME /data/models
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch((process.env.SMARTBOT_HEALTH_SCHEME || 'http') + '://127.0.0.1:' + process.env.SMARTBOT_HEALTH_PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/opt/bot/app/dist/service/src/entries/llama-runtime.js"]
CMD ["--config", "/etc/smartbot/config/runtime.json"]
