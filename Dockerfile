# syntax=docker/dockerfile:1
# stagegate controller image: `docker run ... stagegate run` by default.

# ---- build: full dependencies, TypeScript → dist/ ------------------------------
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm ci` runs `prepare` (the build), which needs the sources: skip it here
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY .config/tsconfig.build.json .config/
COPY src/ src/
RUN npx tsc -p .config/tsconfig.build.json

# ---- runtime: production dependencies and dist/ only ----------------------------
FROM node:24-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts \
 && npm cache clean --force
COPY --from=build /app/dist/ dist/
COPY config/ config/
# the `stagegate` bin on PATH, as `npm i -g` would link it
RUN chmod +x dist/cli/main.js \
 && ln -s /app/dist/cli/main.js /usr/local/bin/stagegate \
 && mkdir -p /app/rollouts /app/.stagegate \
 && chown -R node:node /app/rollouts /app/.stagegate

# the image's `node` user (uid 1000): never run the controller as root
USER node
# config/stagegate.yaml and rollouts/*.yaml come from the deployment; the state
# dir (records, history, lock) must outlive the container
VOLUME ["/app/config", "/app/rollouts", "/app/.stagegate"]
# the HTTP server (/healthz, /readyz, /metrics, /api): set `server.host: 0.0.0.0`
# in the config to reach it from outside the container
EXPOSE 8080
# slim has no curl: ask Node itself
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["stagegate"]
CMD ["run"]
