# kpi-calibrator: one image for the API (`serve`), the job workers (`worker`) and the migration job
# (`migrate`). Two stages: the production dependencies are installed in the first, the second holds
# them, the sources (run through tsx, no build step) and the shipped models, and runs as `node`.
# Nothing secret is baked in: DATABASE_URL, REDIS_URL and KPI_ADMIN_KEY come from the environment
# at run time (compose.yaml, deploy/k8s/secret.yaml). Checked by test/deploy/deploy-files.test.ts.

FROM node:20.20.2-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

FROM node:20.20.2-bookworm-slim AS runtime
WORKDIR /app
ENV HOST=0.0.0.0 \
    PORT=3000 \
    KPI_DATA_DIR=/var/lib/kpi \
    KPI_MODELS_DIR=/app/models \
    KPI_DEMO=false
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root package.json ./
COPY --chown=root:root bin ./bin
COPY --chown=root:root src ./src
# the shipped sentiment and aspect models, inside the image (read-only for the app)
COPY --chown=root:root models ./models
# the aspect labels (row ids, labels and the project's own texts) the train_aspects job reads by default;
# the shared review texts stay outside the image (mounted, `data_dir`)
COPY --chown=root:root data/aspects ./data/aspects
RUN mkdir -p /var/lib/kpi && chown node:node /var/lib/kpi
USER node
EXPOSE 3000
# liveness only: /live depends on nothing (readiness, /ready, is the orchestrator's business)
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/kpi.js"]
CMD ["serve"]
