/**
 * `npm run bench:jobs -- [--json] [--reviews N] [--skip-latency] [--skip-scoring]`
 *
 * 1. Bulk scoring: N stored reviews (default 200,000) in PostgreSQL, scored by a `score_reviews`
 *    job (fanned out into 10,000-review chunks) with 1 and then 2 `kpi worker` processes.
 * 2. API latency while a training job runs: `kpi serve` against PostgreSQL and Redis plus one
 *    worker training a sentiment model; autocannon reads GET /v1/jobs/:id for 10 s; p50/p99.
 *    The same with the in-process runner (no Redis: training runs in a thread of the API process).
 *
 * Uses TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test, throw-away schemas) and
 * TEST_REDIS_URL (default redis://127.0.0.1:6379). Prints one JSON line:
 * {"reviews","workers_1_s","workers_2_s","speedup","api_p99_ms_training_bullmq","api_p99_ms_training_inline",…}
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDb } from '../src/db/index.js';
import { openPostgres } from '../src/db/postgres.js';
import type { Db } from '../src/db/types.js';
import { createBullmqQueue } from '../src/jobs/index.js';
import { insertReviews, startWorker, waitFor, writeLabelledSet, type WorkerProc } from '../test/faults/helpers.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    reviews: { type: 'string', default: '200000' },
    'skip-latency': { type: 'boolean', default: false },
    'skip-scoring': { type: 'boolean', default: false },
  },
});
const N = Number(values.reviews);
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = (line: string) => !values.json && console.error(line);

interface CannonResult {
  latency: { p50: number; p99: number; max: number };
  requests: { average: number };
  non2xx: number;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (
  o: Record<string, unknown>,
) => Promise<CannonResult>;

async function stopAll(ws: WorkerProc[]) {
  for (const w of ws) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGTERM');
  await Promise.all(ws.map((w) => w.exited));
}

async function scoring(db: Db, schema: string, workers: number, run: number): Promise<number> {
  await db.query(
    `update reviews set sentiment_label = null, sentiment_probability = null, sentiment_model = null, language = null, aspects = null, scored_at = null`,
  );
  const queueName = `kpi-bench-${process.pid}-${run}`;
  const queue = createBullmqQueue({ url: REDIS_URL, db, queueName });
  const ws = Array.from({ length: workers }, () =>
    startWorker({ databaseUrl: PG_URL, schema, redisUrl: REDIS_URL, queue: queueName, lockMs: 30_000 }),
  );
  try {
    await Promise.all(ws.map((w) => w.ready));
    const t0 = performance.now();
    const plan = await queue.submit(
      'score_reviews',
      { chunk_size: 10_000, batch_size: 2000 },
      { jobId: `bench-${run}` },
    );
    const planned = await waitFor(
      'plan',
      async () => {
        const j = await queue.get(plan.id);
        return j?.state === 'completed' && j;
      },
      120_000,
      50,
    );
    const ids = (planned.result as { jobs: string[] }).jobs;
    await waitFor(
      'chunks',
      async () => {
        const r = await db.query<{ n: number }>(
          `select count(*)::int as n from jobs where id = any($1::text[]) and state = 'completed'`,
          [ids],
        );
        return r.rows[0]!.n === ids.length;
      },
      1_200_000,
      50,
    );
    const s = (performance.now() - t0) / 1000;
    const scored = (await db.query<{ n: number }>(`select count(sentiment_model)::int as n from reviews`)).rows[0]!.n;
    if (scored !== N) throw new Error(`scored ${scored} of ${N}`);
    log(`${workers} worker(s): ${N} reviews in ${s.toFixed(1)} s (${Math.round(N / s)} reviews/s)`);
    return s;
  } finally {
    await stopAll(ws);
    await queue.queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  }
}

/** p50/p99 of GET /v1/jobs/:id on a real `kpi serve` while a sentiment training job runs. */
async function latencyDuringTraining(
  mode: 'bullmq' | 'inline',
  dataDir: string,
): Promise<{ during: CannonResult; idle: CannonResult }> {
  const schema = `kpi_bench_lat_${process.pid}_${mode}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kpi-bench-'));
  const key = `kpi_bench_admin_key_${'x'.repeat(24)}`;
  const _queueName = `kpi-bench-lat-${process.pid}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: PG_URL,
    DATABASE_SCHEMA: schema,
    KPI_DATA_DIR: dir,
    KPI_DEMO: 'false',
    KPI_ADMIN_KEY: key,
    PORT: '0',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '10000000',
    KPI_TF_BACKEND: 'wasm',
  };
  if (mode === 'bullmq') env.REDIS_URL = REDIS_URL;
  const children: ChildProcess[] = [];
  let worker: WorkerProc | undefined;
  try {
    if (mode === 'bullmq') {
      // the API process submits to the default queue name; so does this worker
      worker = startWorker({ databaseUrl: PG_URL, schema, redisUrl: REDIS_URL, queue: 'kpi-jobs', lockMs: 30_000 });
      await worker.ready;
    }
    const api = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(api);
    let out = '';
    api.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    api.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    const address = await waitFor(
      'API listening',
      async () => /listening on (http:\/\/\S+)/.exec(out)?.[1],
      120_000,
      100,
    );
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const sub = await fetch(`${address}/v1/jobs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        kind: 'train_sentiment',
        data: { language: 'en', data_dir: dataDir, epochs: 100 },
        idempotency_key: `${process.pid}`,
      }),
    });
    if (sub.status !== 202) throw new Error(`submit: ${sub.status} ${await sub.text()}`);
    const id = ((await sub.json()) as { id: string }).id;
    await waitFor(
      'training epochs',
      async () => {
        const j = (await (await fetch(`${address}/v1/jobs/${id}`, { headers })).json()) as {
          progress: { stage: string };
          state: string;
        };
        if (j.state === 'failed') throw new Error('training failed');
        return j.progress.stage.startsWith('epoch');
      },
      300_000,
      200,
    );
    const result = await autocannon({ url: `${address}/v1/jobs/${id}`, headers, connections: 10, duration: 10 });
    const still = (await (await fetch(`${address}/v1/jobs/${id}`, { headers })).json()) as { state: string };
    log(
      `${mode}: GET /v1/jobs/:id during training (job ${still.state} at the end): p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ${Math.round(result.requests.average)} req/s`,
    );
    // the same read with nothing running: what the machine gives without the training
    await fetch(`${address}/v1/jobs/${id}`, { method: 'DELETE', headers });
    await new Promise((r) => setTimeout(r, 2000));
    const idle = await autocannon({ url: `${address}/v1/jobs/${id}`, headers, connections: 10, duration: 10 });
    log(
      `${mode}: the same read, nothing running: p50 ${idle.latency.p50} ms, p99 ${idle.latency.p99} ms, ${Math.round(idle.requests.average)} req/s`,
    );
    return { during: result, idle };
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.on('exit', r)) : null)));
    if (worker) await stopAll([worker]);
    const admin = await openPostgres({ url: PG_URL, max: 1 });
    await admin.exec(`drop schema if exists ${schema} cascade`);
    await admin.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const schema = `kpi_bench_jobs_${process.pid}`;
const db = await openDb({ dataDir: os.tmpdir(), databaseUrl: PG_URL, databaseSchema: schema });
const out: Record<string, number> = { reviews: N };
try {
  if (values['skip-scoring']) throw Object.assign(new Error('skip'), { skip: true });
  log(`inserting ${N} reviews`);
  await insertReviews(db, N);
  await db.query('analyze reviews');
  out.workers_1_s = Math.round((await scoring(db, schema, 1, 1)) * 100) / 100;
  out.workers_2_s = Math.round((await scoring(db, schema, 2, 2)) * 100) / 100;
  out.speedup = Math.round((out.workers_1_s / out.workers_2_s) * 100) / 100;
} catch (err) {
  if (!(err as { skip?: boolean }).skip) throw err;
} finally {
  await db.close();
  const admin = await openPostgres({ url: PG_URL, max: 1 });
  await admin.exec(`drop schema if exists ${schema} cascade`);
  await admin.close();
}
if (!values['skip-latency']) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kpi-bench-labelled-'));
  writeLabelledSet(dataDir, 20_000, 2000);
  try {
    const b = await latencyDuringTraining('bullmq', dataDir);
    out.api_p50_ms_training_bullmq = b.during.latency.p50;
    out.api_p99_ms_training_bullmq = b.during.latency.p99;
    out.api_p99_ms_idle_bullmq = b.idle.latency.p99;
    const i = await latencyDuringTraining('inline', dataDir);
    out.api_p50_ms_training_inline = i.during.latency.p50;
    out.api_p99_ms_training_inline = i.during.latency.p99;
    out.api_p99_ms_idle_inline = i.idle.latency.p99;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
console.log(JSON.stringify(out));
process.exit(0);
