# Vigil in one image: build with the dev dependencies, run with the runtime ones only, as a non-root user.
# Node 26, the LTS .ci/run also tests (NEWEST_LTS_MAJOR there); test/deploy checks the two agree.
FROM node:26-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 builds from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:26-bookworm-slim
WORKDIR /app
# No PORT here: serve listens on --port, else PORT, else the config's server.port, else 8080.
ENV NODE_ENV=production VIGIL_DB=/data/vigil.db HOST=0.0.0.0
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The database lives on the /data volume, owned by the image's unprivileged `node` user (uid 1000).
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080
# Asks the port serve listens on, read the way serve reads it (a mounted config's server.port too).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "dist/cli/vigil.js", "healthcheck"]
# --v8-pool-size=0: V8's GC helper threads sized to the host's CPUs (one fewer), not Node's fixed 4,
# which on a 2-core host outnumber the cores and hold up the event loop (README, "V8's helper threads").
ENTRYPOINT ["node", "--v8-pool-size=0", "--import", "./dist/collector/instrument.js", "dist/cli/vigil.js"]
CMD ["serve"]
