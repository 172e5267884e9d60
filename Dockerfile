# netsec serving image: `netsec serve` (Deno from npm) over a model folder mounted at /app/final_model.
#   docker build -t netsec .
#   docker run --rm -p 8000:8000 -v "$PWD/final_model:/app/final_model" netsec
# Debian-based (glibc): the Deno binary that npm installs (@deno/linux-x64-glibc) needs glibc.
FROM node:22-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production \
    DENO_DIR=/app/.deno \
    DENO_NO_UPDATE_CHECK=1 \
    NO_COLOR=1

# Dependencies first (cached layer); dev tools (vitest, playwright, typescript) are not needed to serve.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY deno.json schema.yaml ./
COPY bin ./bin
COPY src ./src
COPY experiments ./experiments

# Compile the CLI once at build time; folders the service writes to belong to the runtime user.
RUN node_modules/deno/deno cache --config deno.json src/cli.ts src/models/model-file.ts \
 && mkdir -p final_model Artifacts \
 && chown -R node:node /app/.deno /app/final_model /app/Artifacts

USER node
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s \
  CMD node -e "fetch('http://127.0.0.1:8000/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["npx", "--no-install", "netsec", "serve", "--host", "0.0.0.0", "--port", "8000"]
