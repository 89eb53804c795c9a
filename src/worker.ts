/**
 * The worker process (`kpi worker`): takes jobs from Redis (BullMQ) and runs them against the
 * shared PostgreSQL. Run any number, on any machines. Logs with pino like the server; SIGTERM or
 * SIGINT (close-with-grace): stop taking jobs, let the running one finish for `graceMs`, then hand
 * it back to the queue (another worker resumes it).
 */
import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { z } from 'zod';
import { ConfigError, type Config } from './config.js';
import { withAdvisoryLock } from './db/advisory.js';
import { openDb } from './db/index.js';
import { createBullmqWorker, createQueue, retryPolicies, workerProcessors } from './jobs/index.js';
import { warmJobEngines } from './jobs/warm.js';
import { createServices } from './services/index.js';

const whole = (what: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `expected ${what}`)
    .transform(Number)
    .pipe(
      z.number().int().min(min, `expected ${what} of at least ${min}`).max(max, `expected ${what} of at most ${max}`),
    );

/** The worker's command-line flags, validated like the environment (src/config.ts). */
export const workerFlagsSchema = z
  .object({
    concurrency: whole('a whole number of jobs', 1, 256).optional(),
    'lock-ms': whole('milliseconds', 1000, 3_600_000).optional(),
    'grace-ms': whole('milliseconds', 0, 3_600_000).optional(),
    queue: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,100}$/, 'expected a queue name (letters, digits, _ . -)')
      .optional(),
  })
  .strict();

export interface WorkerOptions {
  concurrency?: number | undefined;
  lockDurationMs?: number | undefined;
  graceMs?: number | undefined;
  /** BullMQ queue name (default kpi-jobs); API processes and workers of one deployment share it. */
  queueName?: string | undefined;
}

/**
 * `--concurrency 2 --lock-ms 30000 --grace-ms 30000 --queue NAME` as parsed by `node:util` parseArgs.
 * @throws ConfigError naming every bad flag
 */
export function parseWorkerFlags(values: Record<string, string | boolean | undefined>): WorkerOptions {
  const parsed = workerFlagsSchema.safeParse(
    Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)),
  );
  if (!parsed.success)
    throw new ConfigError(
      parsed.error.issues.map((i) => ({
        variable:
          i.code === 'unrecognized_keys' ? i.keys.map((k) => `--${k}`).join(', ') : `--${String(i.path[0] ?? '?')}`,
        message: i.message,
      })),
    );
  const f = parsed.data;
  return {
    concurrency: f.concurrency,
    lockDurationMs: f['lock-ms'],
    graceMs: f['grace-ms'],
    queueName: f.queue,
  };
}

export async function startWorker(config: Config, opts: WorkerOptions = {}): Promise<void> {
  if (!config.redisUrl) throw new Error('kpi worker needs REDIS_URL (without Redis, jobs run inside the API process)');
  if (!config.databaseUrl)
    throw new Error('kpi worker needs DATABASE_URL: workers share PostgreSQL with the API (PGlite is single-process)');
  const log = pino({ level: config.logLevel, base: { pid: process.pid, role: 'worker' } });
  const concurrency = opts.concurrency ?? 1;
  const graceMs = opts.graceMs ?? 30_000;
  const db = await openDb(config);
  // what the worker submits itself (a rescore after a new shipped model) goes to the same queue
  const queueName = opts.queueName ?? config.jobQueue;
  const queue = createQueue({ db, config, queueName });
  const services = createServices({ config, db, queue });
  // under the start-up lock: API processes and workers starting together register the shipped models once
  await withAdvisoryLock(db, 'kpi-startup', async () => {
    for (const v of await services.models.registerShipped())
      log.info({ version: v.id, rescore_job: v.rescore_job ?? null }, 'new shipped sentiment model active');
  });
  // the models and the scoring thread before the first job, not inside it (src/jobs/warm.ts)
  await warmJobEngines(db, config, (msg, extra = {}) => log.info(extra, msg));
  const w = createBullmqWorker({
    url: config.redisUrl,
    db,
    config,
    processors: workerProcessors(config),
    policies: retryPolicies(),
    queueName,
    concurrency,
    lockDurationMs: opts.lockDurationMs ?? 30_000,
    log: (msg, extra = {}) => log.info(extra, msg),
  });
  await w.worker.waitUntilReady();
  log.info({ name: w.name, concurrency }, 'worker ready');

  // the running job gets `graceMs`, then is handed back; the rest of the close must fit in the delay too
  closeWithGrace({ delay: graceMs + config.shutdownGraceMs, logger: log }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'stopping after an error');
    else log.info({ signal }, 'stopping: finishing the running job');
    await w.close(graceMs);
    await services.close();
    await queue.close();
    await db.close();
  });
}
