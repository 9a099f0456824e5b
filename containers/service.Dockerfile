# The smartbot API service. Build context: containers/context.sh service DIR.
# BASE_IMAGE defaults to the official Node image; offline CI passes its own (base-images.sh).
ARG BASE_IMAGE=node:22-bookworm-slim

FROM ${BASE_IMAGE} AS app
WORKDIR /opt/bot
COPY app/ app/
COPY scripts/ scripts/
# Keep what runs: no type declarations, source maps or docs in the image.
RUN find app/node_modules app/dist \( -name '*.d.ts' -o -name '*.map' -o -name '*.md' \) -type f -delete \
 && chmod 0755 scripts/*.sh \
 && node -e "import('/opt/bot/app/dist/service/src/app.js').then(() => console.log('service entry loads'))"

FROM ${BASE_IMAGE}
RUN groupadd --system --gid 10001 bot && useradd --system --uid 10001 --gid bot --home-dir /opt/bot --no-create-home bot
COPY --from=app /opt/bot /opt/bot
ENV NODE_ENV=production \
    UV_THREADPOOL_SIZE=4 \
    SMARTBOT_HEALTH_PORT=8000
USER 10001:10001
EXPOSE 8000 8080
HEALTHCHECK --interval=5s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.SMARTBOT_HEALTH_PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/opt/bot/app/dist/service/src/entries/main.js"]
CMD ["--config", "/etc/smartbot/config/runtime.json"]
