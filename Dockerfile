# Switchboard: multi-stage build, production dependencies only, non-root, health-checked.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 builds a native addon.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json tsconfig.web.json ./
COPY scripts ./scripts
COPY src ./src
# The TypeScript build, then the browser assets (pages, client, GraphiQL), hashed, into dist/web/assets/.
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
# git: the demo work-order template clones a local repository.
RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /var/lib/switchboard switchboard
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/src/web ./src/web
COPY bin ./bin
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8000 DATA_DIR=/var/lib/switchboard
USER switchboard
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8000/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--max-semi-space-size=8", "dist/cli/main.js", "serve"]
