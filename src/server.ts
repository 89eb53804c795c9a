/**
 * The service process: config → database (migrated) → queue → first-run setup → listen,
 * and a graceful close on SIGTERM/SIGINT that lets in-flight requests finish.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { ConfigError, type Config } from './config.js';
import { withAdvisoryLock } from './db/advisory.js';
import { openDb } from './db/index.js';
import { startForecastThread } from './baselines/parallel.js';
import { createQueue, type JobStatus } from './jobs/index.js';
import { loadCharts } from './web/charts.js';
import type { Services } from './services/index.js';
import { prepareData, type SetupResult } from './setup.js';

export interface StartupResult {
  /** Where the first admin key was written (null: keys exist already, or KPI_ADMIN_KEY is set). */
  keyFile: string | null;
  setup: SetupResult;
  /** The first-run training job of the demo's baselines (null: no demo loaded now). */
  training: JobStatus | null;
}

/**
 * The one-time start-up work: the shipped models registered, the first admin key, the first-run data
 * (calendar, demo) and the demo's first training. Run under a PostgreSQL advisory lock (src/db/advisory.ts):
 * N processes starting together against one database do it once (exactly one first admin key, one demo,
 * one training job); the others wait, then find it done.
 */
export function runStartup(services: Services, log: { info(obj: object, msg: string): void }): Promise<StartupResult> {
  return withAdvisoryLock(services.db, 'kpi-startup', async () => {
    // the shipped sentiment models become the active versions where none is active yet; one that
    // replaces an earlier shipped model is a switch (the stored reviews are rescored, as jobs)
    for (const v of await services.models.registerShipped())
      log.info({ version: v.id, rescore_job: v.rescore_job ?? null }, 'new shipped sentiment model active');
    const keyFile = await firstRunKey(services);
    const setup = await prepareData(services.db, services.config, log, services.sentiment);
    // the demo comes with baseline models: the classical ensemble trains in seconds; HR can train the
    // network models later (POST /v1/baselines/train)
    const training = setup.demoLoaded
      ? await services.targets.train({ network: false, promote: false }, 'first-run')
      : null;
    return { keyFile, setup, training };
  });
}

/** Writes a first admin key where only this machine's user can read it; the key never goes to the log. */
async function firstRunKey({ keys, config }: Services): Promise<string | null> {
  if (config.adminKey) {
    await keys.ensureBootstrap(config.adminKey);
    return null;
  }
  if ((await keys.count()) > 0) return null;
  // on PostgreSQL nothing else creates the data directory; without it the key would be stored but never shown
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const { key } = await keys.create('first-run admin', ['admin']);
  const file = path.join(config.dataDir, 'admin-key.txt');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return file;
}

/**
 * The graceful close of an API process (SIGTERM, a rolling restart): /ready answers 503 at once while
 * the listener still serves for `drainMs` (a load balancer's probes see it and send no new requests),
 * then the listener closes and the requests in flight finish (answers then carry `Connection: close`),
 * then the in-process job runner lets its running job finish for up to `graceMs`. The database stays
 * open for the caller to close.
 */
export async function drainAndClose(app: FastifyInstance, { drainMs, graceMs }: { drainMs: number; graceMs: number }) {
  app.services.lifecycle.closing = true;
  if (drainMs > 0) await new Promise((r) => setTimeout(r, drainMs));
  await app.close();
  await app.services.queue.close(graceMs);
}

export async function startServer(config: Config) {
  if (config.redisUrl && !config.databaseUrl) {
    // jobs would wait in Redis for a worker that cannot open this process's PGlite
    throw new ConfigError([
      {
        variable: 'REDIS_URL',
        message:
          'needs DATABASE_URL: BullMQ workers share PostgreSQL with the API, PGlite belongs to one process (unset REDIS_URL to run jobs in-process)',
      },
    ]);
  }
  // targets are forecast on this thread and a helper thread: start it now, not on the first request
  if (config.forecastThread) startForecastThread();
  // the console's charts module (the service's largest, ≈ 0.5 s) before the first request, not in it
  loadCharts();
  const db = await openDb(config);
  const queue = createQueue({ db, config });
  const app = await buildApp({ config, db, queue, starting: true });
  const { services } = app;
  try {
    const { keyFile, setup, training } = await runStartup(services, app.log);
    const address = await app.listen({ port: config.port, host: config.host });
    services.lifecycle.started = true;
    const lines = [
      `kpi-calibrator listening on ${address} (storage: ${db.kind}, jobs: ${queue.kind})`,
      `  API docs:   ${address}/docs`,
      `  health:     ${address}/health (probes: /live, /ready)`,
      keyFile
        ? `  admin key:  written to ${keyFile} (shown nowhere else); send it as "Authorization: Bearer <key>"`
        : `  API keys:   POST ${address}/v1/admin/keys with an admin key, or \`npm run kpi -- keys create --name NAME --scopes hr\` while the server is stopped`,
      setup.demoLoaded ? `  demo data:  loaded (${setup.summary}); try GET ${address}/v1/employees?role=cs_agent` : '',
      training
        ? `  baselines:  training the demo's models (job ${training.id}, GET ${address}/v1/jobs/${training.id}); then GET ${address}/v1/targets?role=cs_agent&period=<next month>`
        : '',
    ].filter(Boolean);
    // plain stdout: a person reads this once; the structured log carries the same facts
    process.stdout.write(`${lines.join('\n')}\n`);
  } catch (err) {
    await app.close().catch(() => {});
    await queue.close().catch(() => {});
    await db.close().catch(() => {});
    throw err;
  }

  // the drain, the in-flight requests and the running in-process job must fit in close-with-grace's delay
  closeWithGrace({ delay: config.shutdownDrainMs + 2 * config.shutdownGraceMs }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal, drain_ms: config.shutdownDrainMs }, 'shutting down: not ready, draining');
    await drainAndClose(app, { drainMs: config.shutdownDrainMs, graceMs: config.shutdownGraceMs });
    await db.close();
  });
  return app;
}
