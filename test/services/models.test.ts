/**
 * A sentiment switch queues one rescore whichever client makes it: the model service over HTTP
 * (test/ratings/flow.test.ts), a release's new shipped model found at start-up, and the CLI
 * (`kpi models promote`, which waits for the in-process job when there is no Redis).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openDb } from '../../src/db/index.js';
import { createInlineQueue } from '../../src/jobs/index.js';
import { getJob } from '../../src/jobs/record.js';
import { packSentiment, SENTIMENT_KIND } from '../../src/registry/sentiment.js';
import { getActive, registerVersion } from '../../src/registry/index.js';
import { defaultSettings } from '../../src/reviews/sentiment/features.js';
import { MODEL_FORMAT } from '../../src/reviews/sentiment/predictor.js';
import { createServices } from '../../src/services/index.js';
import { describeEachBackend } from '../helpers/db.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const BITS = 12;

const meta = (version: string) =>
  ({
    format: MODEL_FORMAT,
    language: 'en',
    version,
    features: { ...defaultSettings('en'), bits: BITS },
    weights: { file: 'weights.bin', dtype: 'float32', length: 1 << BITS, bias: 0 },
    calibration: { method: 'platt', a: 1, c: 0 },
    neutralBand: { low: 0.35, high: 0.65 },
  }) as const;

/** Writes a tiny English model as the shipped directory `<dir>/sentiment-en`. */
function ship(dir: string, version: string): void {
  const d = path.join(dir, 'sentiment-en');
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
  writeFileSync(path.join(d, 'metadata.json'), JSON.stringify(meta(version)));
  writeFileSync(path.join(d, 'weights.bin'), new Uint8Array(new Float32Array(1 << BITS).fill(1).buffer));
}

describeEachBackend('model service: a switch at start-up', (get) => {
  it('a new shipped model that replaces the active one queues one rescore; the first one and a repeat do not', async () => {
    const { db } = get();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kpi-shipped-'));
    const config = loadConfig({ KPI_DATA_DIR: '/tmp/kpi-test-unused', KPI_MODELS_DIR: dir, LOG_LEVEL: 'silent' });
    const ran: unknown[] = [];
    const queue = createInlineQueue({
      db,
      config,
      processors: { score_reviews: async (data) => ran.push(data) },
    });
    const services = createServices({ config, db, queue });
    try {
      await db.query(`update model_versions set status = 'retired' where kind = 'sentiment'`);
      ship(dir, 'sentiment-en@svc1');
      expect(await services.models.registerShipped()).toEqual([]);
      expect((await getActive(db, SENTIMENT_KIND, 'en'))?.id).toBe('sentiment-en@svc1');

      ship(dir, 'sentiment-en@svc2');
      const switched = await services.models.registerShipped();
      expect(switched.map((v) => v.id)).toEqual(['sentiment-en@svc2']);
      const job = await getJob(db, switched[0]!.rescore_job!);
      expect(job).toMatchObject({ kind: 'score_reviews' });
      expect(await services.models.registerShipped()).toEqual([]); // started again: no second switch
    } finally {
      await services.close();
      await queue.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(ran).toEqual([{ rescore: true, then_recompute: true, chunk_size: 10_000 }]);
  });
});

describe('kpi models (the CLI) on PGlite', () => {
  it('promote switches the version and runs the rescore in the process; list shows the versions', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kpi-cli-models-'));
    try {
      cpSync(inject('pgliteTemplate'), path.join(dir, 'pglite'), { recursive: true });
      const env = {
        ...process.env,
        KPI_DATA_DIR: dir,
        KPI_DEMO: 'false',
        LOG_LEVEL: 'silent',
        DATABASE_URL: '',
        REDIS_URL: '',
      };
      const config = loadConfig(env);
      let db = await openDb(config);
      for (const [id, sign] of [
        ['sentiment-en@cli1', 1],
        ['sentiment-en@cli2', -1],
      ] as const)
        await registerVersion(db, {
          id,
          kind: SENTIMENT_KIND,
          scope: 'en',
          artifact: packSentiment(meta(id), new Float32Array(1 << BITS).fill(sign)),
        });
      await db.close();

      const run = (...args: string[]) => spawnSync(TSX, ['src/cli.ts', ...args], { cwd: ROOT, env, encoding: 'utf8' });
      const first = run('models', 'promote', 'sentiment-en@cli1', '--reason', 'cli test');
      expect(first.status, first.stderr).toBe(0);
      const second = run('models', 'promote', 'sentiment-en@cli2');
      expect(second.status, second.stderr).toBe(0);
      expect(second.stdout).toContain('sentiment-en@cli2 is active (sentiment/en)');
      const job = /rescore job: (\S+)/.exec(second.stdout)?.[1];
      expect(job).toBeDefined();
      const listed = run('models', 'list', '--kind', 'sentiment');
      expect(listed.stdout).toContain('sentiment-en@cli2\tsentiment\ten\tactive');
      expect(run('models', 'rollback', 'sentiment').status).toBe(2); // usage

      db = await openDb(config);
      try {
        // the rescore ran to the end inside the CLI: no Redis, no server to run it later
        expect(await getJob(db, job!)).toMatchObject({ kind: 'score_reviews', state: 'completed' });
        expect((await getActive(db, SENTIMENT_KIND, 'en'))?.id).toBe('sentiment-en@cli2');
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
