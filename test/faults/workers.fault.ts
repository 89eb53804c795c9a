/**
 * Faults on real Redis and PostgreSQL with real `kpi worker` processes:
 * SIGKILL during bulk scoring and during training, a Redis restart mid-run, a PostgreSQL restart.
 * Every stopped service is started again in `finally`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createBullmqQueue, type JobStatus } from '../../src/jobs/index.js';
import type { BullmqJobQueue } from '../../src/jobs/bullmq.js';
import { scoreStoredReviews } from '../../src/reviews/scoring.js';
import { buildSentimentEngine } from '../../src/registry/sentiment.js';
import { openTestDb, type TestDb } from '../helpers/db.js';
import {
  ensurePostgres,
  insertReviews,
  restartPostgres,
  scoreChecksum,
  startRedis,
  startWorker,
  stopRedis,
  waitFor,
  writeLabelledSet,
  type WorkerProc,
} from './helpers.js';

const REVIEWS = 30_000;
const { postgres, redis, postgresUrl, redisUrl } = inject('services');
if ((!postgres || !redis) && process.env.CI !== 'true')
  console.warn('!! fault tests SKIPPED: they need PostgreSQL and Redis');

describe.skipIf(!postgres || !redis)('faults: workers, Redis and PostgreSQL', () => {
  let t: TestDb;
  let queue: BullmqJobQueue;
  const queueName = `kpi-faults-${process.pid}`;
  const workers: WorkerProc[] = [];
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'kpi-faults-'));
  let reference = '';

  const worker = async () => {
    const w = startWorker({ databaseUrl: postgresUrl, schema: t.where, redisUrl, queue: queueName });
    workers.push(w);
    await Promise.race([
      w.ready,
      w.exited.then((c) => Promise.reject(new Error(`worker exited (${c}): ${w.output.slice(-5).join('\n')}`))),
    ]);
    return w;
  };
  const job = (id: string) => queue.get(id) as Promise<JobStatus>;
  const allDone = async (ids: string[]) => {
    const states = await Promise.all(ids.map(async (id) => (await job(id))?.state));
    if (states.some((s) => s === 'failed' || s === 'cancelled')) throw new Error(`a job ended ${states.join(',')}`);
    return states.every((s) => s === 'completed');
  };
  const resetScores = (where = 'true') =>
    t.db.query(
      `update reviews set sentiment_label = null, sentiment_probability = null, sentiment_model = null, language = null, aspects = null, scored_at = null where ${where}`,
    );

  beforeAll(async () => {
    t = await openTestDb('postgres');
    queue = createBullmqQueue({ url: redisUrl, db: t.db, queueName });
    await insertReviews(t.db, REVIEWS);
  });
  afterAll(async () => {
    for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
    await queue?.queue.obliterate({ force: true }).catch(() => {});
    await queue?.close();
    await t?.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('SIGKILL during a bulk-scoring job: another worker completes it, no duplicated or missing scores', async () => {
    const a = await worker();
    await queue.submit('score_reviews', { chunk_size: 10_000, batch_size: 500 }, { jobId: 'fault-score-1' });
    const planned = await waitFor(
      'planning',
      async () => (await job('fault-score-1'))?.state === 'completed' && job('fault-score-1'),
    );
    const chunks = (planned.result as { jobs: string[] }).jobs;
    expect(chunks).toHaveLength(3);
    await waitFor('a chunk in progress', async () => {
      const states = await Promise.all(chunks.map(job));
      return states.some((s) => s.state === 'active' && s.progress.percent >= 5);
    });
    a.proc.kill('SIGKILL');
    await a.exited;
    await worker();
    await waitFor('all chunks completed', () => allDone(chunks), 240_000, 250);
    const after = await scoreChecksum(t.db);
    expect(after.total).toBe(REVIEWS);
    expect(after.scored).toBe(REVIEWS);
    // the reference: the same reviews scored once, in this process, without faults
    await resetScores();
    const engine = await buildSentimentEngine(t.db, 'models');
    expect((await scoreStoredReviews(t.db, engine, { batch: 5000 })).scored).toBe(REVIEWS);
    reference = (await scoreChecksum(t.db)).checksum;
    expect(after.checksum).toBe(reference);
  });

  it('SIGKILL during a training job: another worker completes it, exactly one model version', async () => {
    for (const w of workers.filter((x) => x.proc.exitCode === null && x.proc.signalCode === null)) {
      w.proc.kill('SIGTERM'); // idle: a graceful stop exits at once
      expect(await w.exited).toBe(0);
    }
    const dir = path.join(tmp, 'labelled');
    writeLabelledSet(dir);
    const c = await worker();
    await queue.submit(
      'train_sentiment',
      { language: 'en', data_dir: dir, epochs: 40, promote: false },
      { jobId: 'fault-train-1', attempts: 2 },
    );
    await waitFor(
      'training under way',
      async () => {
        const s = await job('fault-train-1');
        return s.state === 'active' && s.progress.stage.startsWith('epoch');
      },
      120_000,
    );
    const d = await worker();
    c.proc.kill('SIGKILL');
    await c.exited;
    const done = await waitFor(
      'training completed',
      async () => {
        const s = await job('fault-train-1');
        if (s.state === 'failed') throw new Error(s.error ?? 'failed');
        return s.state === 'completed' && s;
      },
      240_000,
      250,
    );
    const versions = await t.db.query<{ id: string }>(`select id from model_versions where job_id = 'fault-train-1'`);
    expect(versions.rows).toHaveLength(1);
    expect((done.result as { version: string }).version).toBe(versions.rows[0]!.id);
    const events = await t.db.query(`select 1 from model_events where action = 'register' and to_version = $1`, [
      versions.rows[0]!.id,
    ]);
    expect(events.rows).toHaveLength(1);
    expect(d.proc.exitCode).toBeNull();
  });

  it('Redis restart during a run: the submission answers 503 while it is down, and the jobs resume', async () => {
    await resetScores();
    await queue.submit('score_reviews', { chunk_size: 5_000, batch_size: 500 }, { jobId: 'fault-score-2' });
    const planned = await waitFor(
      'planning',
      async () => (await job('fault-score-2'))?.state === 'completed' && job('fault-score-2'),
    );
    const chunks = (planned.result as { jobs: string[] }).jobs;
    await waitFor('a chunk in progress', async () =>
      (await Promise.all(chunks.map(job))).some((s) => s.state === 'active' && s.progress.percent >= 5),
    );
    try {
      stopRedis();
      await waitFor('queue down', async () => !(await queue.health()).ok, 10_000);
      await expect(queue.submit('score_reviews', {}, { jobId: 'fault-while-down' })).rejects.toMatchObject({
        status: 503,
      });
    } finally {
      await startRedis();
    }
    await waitFor('all chunks completed after the restart', () => allDone(chunks), 240_000, 250);
    // Redis came back empty (no persistence): the worker re-delivered the unfinished jobs from the record
    expect(workers.some((w) => w.output.some((l) => l.includes('re-delivered jobs missing from Redis')))).toBe(true);
    const after = await scoreChecksum(t.db);
    expect(after.scored).toBe(REVIEWS);
    expect(after.checksum).toBe(reference);
  });

  it('PostgreSQL restart: the API and the workers reconnect', async () => {
    const config = loadConfig({
      KPI_DATA_DIR: tmp,
      LOG_LEVEL: 'silent',
      DATABASE_URL: postgresUrl,
      DATABASE_SCHEMA: t.where,
      REDIS_URL: redisUrl,
    });
    const app = await buildApp({ config, db: t.db, queue, logger: false });
    try {
      try {
        await restartPostgres();
      } finally {
        await ensurePostgres();
      }
      await waitFor(
        'API healthy again',
        async () => (await app.inject({ url: '/health' })).json().status === 'ok',
        60_000,
        250,
      );
      await resetScores(`id < 'r0001000'`);
      await waitFor(
        'submission accepted',
        () => queue.submit('score_reviews', { chunk_size: 100_000 }, { jobId: 'fault-score-3' }).then(() => true),
        30_000,
        500,
      );
      const planned = await waitFor(
        'planning',
        async () => (await job('fault-score-3'))?.state === 'completed' && job('fault-score-3'),
        120_000,
      );
      await waitFor('chunk completed', () => allDone((planned.result as { jobs: string[] }).jobs), 120_000, 250);
      expect((await scoreChecksum(t.db)).checksum).toBe(reference);
    } finally {
      await app.close();
    }
  });
});
