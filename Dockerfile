# CNS depressant safety CDS service. Node runs the TypeScript sources directly (type stripping), so the
# image is the sources plus production dependencies; no build step.
FROM node:24-bookworm-slim
# MALLOC_ARENA_MAX=2: glibc keeps at most two malloc arenas instead of one per thread (V8's and libuv's
# threads): about 10 MB less per process and 5-10 % less CPU per request measured (docs/benchmark.md).
# NODE_COMPILE_CACHE: Node's compile cache from the first line of the entry on (src/start.ts).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/var/lib/cns-cds \
    MALLOC_ARENA_MAX=2 \
    NODE_COMPILE_CACHE=/app/node_modules/.cache/node-compile-cache
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` needs the sources (copied below); the template is made after them.
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error && npm cache clean --force
COPY src ./src
COPY cds-hooks ./cds-hooks
COPY rules ./rules
COPY fixtures ./fixtures
COPY scripts/mint-token.ts ./scripts/mint-token.ts
COPY scripts/pglite-template.ts ./scripts/pglite-template.ts
COPY tsconfig.json ./
# The empty-database template (src/store/pglite-template.ts): a new data volume is copied from it
# (about 50 ms) instead of running initdb (about 2 s). Owned by the service's user, which reads it.
RUN node --no-wasm-tier-up --no-wasm-dynamic-tiering scripts/pglite-template.ts \
 && mkdir -p /app/node_modules/.cache && chown -R node:node /app/node_modules/.cache
RUN mkdir -p /var/lib/cns-cds && chown -R node:node /var/lib/cns-cds /app/rules
# The embedded database, the audit key and the development keys live in DATA_DIR: a volume, so they are not lost
# with the container's own layer (`docker run -v cns-cds-data:/var/lib/cns-cds ...` names it; a new volume starts
# as a copy of this empty, node-owned folder).
VOLUME ["/var/lib/cns-cds"]
USER node
EXPOSE 8080
# The port the service listens on (PORT, 8080 when unset), not a fixed 8080.
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# V8 flags (docs/benchmark.md): a 16 MB young generation semi-space (V8 sizes it for the host, up to 32 MB:
# ~60-90 MB less per process, no CPU cost measured); PGlite's WebAssembly on the baseline compiler (much less memory).
CMD ["node", "--max-semi-space-size=16", "--no-wasm-tier-up", "--no-wasm-dynamic-tiering", "src/start.ts"]
