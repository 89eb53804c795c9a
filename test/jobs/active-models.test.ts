/** Registry-backed models: every process sees a switch within the refresh interval; shadow comparison reports what would change. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { promote, registerVersion, rollback } from '../../src/registry/index.js';
import { createActiveModels } from '../../src/registry/active.js';
import {
  buildSentimentEngine,
  packSentiment,
  registerShippedSentiment,
  SENTIMENT_KIND,
  unpackSentiment,
} from '../../src/registry/sentiment.js';
import { compareWithActive } from '../../src/registry/shadow.js';
import { defaultSettings } from '../../src/reviews/sentiment/features.js';
import { MODEL_FORMAT } from '../../src/reviews/sentiment/predictor.js';
import { describeEachBackend } from '../helpers/db.js';

const BITS = 12;
/** A tiny English model: `sign` +1 likes every word, −1 dislikes every word. */
function tinyModel(version: string, sign: number): Uint8Array {
  return packSentiment(tinyMeta(version), new Float32Array(1 << BITS).fill(sign));
}

/** Writes a tiny model as a shipped directory (`<dir>/sentiment-en`). */
function ship(dir: string, version: string): void {
  const d = path.join(dir, 'sentiment-en');
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
  writeFileSync(path.join(d, 'metadata.json'), JSON.stringify(tinyMeta(version)));
  writeFileSync(path.join(d, 'weights.bin'), new Uint8Array(new Float32Array(1 << BITS).fill(1).buffer));
}

function tinyMeta(version: string) {
  return {
    format: MODEL_FORMAT,
    language: 'en',
    version,
    features: { ...defaultSettings('en'), bits: BITS },
    weights: { file: 'weights.bin', dtype: 'float32', length: 1 << BITS, bias: 0 },
    calibration: { method: 'platt', a: 1, c: 0 },
    neutralBand: { low: 0.35, high: 0.65 },
  } as const;
}

describeEachBackend('active models and shadow comparison', (get) => {
  it('packs and unpacks a model, switches every reader within the refresh interval, and compares a candidate', async () => {
    const { db } = get();
    const happy = tinyModel('sentiment-en@happy', 1);
    expect(unpackSentiment(happy).probability('good day')).toBeGreaterThan(0.5);
    await registerVersion(db, { id: 'sentiment-en@happy', kind: SENTIMENT_KIND, scope: 'en', artifact: happy });
    await registerVersion(db, {
      id: 'sentiment-en@grumpy',
      kind: SENTIMENT_KIND,
      scope: 'en',
      artifact: tinyModel('sentiment-en@grumpy', -1),
    });
    await promote(db, 'sentiment-en@happy', 'test');
    // two "processes" reading the registry
    const a = createActiveModels(db, { modelsDir: 'models' }, 150);
    const b = createActiveModels(db, { modelsDir: 'models' }, 150);
    expect((await a.sentiment()).versions.en).toBe('sentiment-en@happy');
    expect((await b.sentiment()).score(['the agent answered my question'])[0]).toMatchObject({
      label: 'positive',
      modelVersion: 'sentiment-en@happy',
    });

    await db.query(
      `insert into employees (id, role_id) values ('ag1', 'cs_agent'), ('ag2', 'cs_agent') on conflict do nothing`,
    );
    await db.query(
      `insert into reviews (id, agent_id, text, created_at, language) select 'sh' || g, case when g % 2 = 0 then 'ag1' else 'ag2' end, 'the agent answered question ' || g, now(), 'en' from generate_series(1, 40) g`,
    );
    const report = await compareWithActive(db, 'sentiment-en@grumpy', {
      threshold: 0.1,
      limit: 1000,
      modelsDir: 'models',
    });
    expect(report).toMatchObject({
      candidate: 'sentiment-en@grumpy',
      active: 'sentiment-en@happy',
      compared: 40,
      changed: 40,
      moved_count: 2,
    });
    expect(report.moved[0]!.delta).toBeLessThan(-0.5);
    const stored = await db.query<{ shadow: { candidate: string } }>(
      `select metadata->'shadow' as shadow from model_versions where id = 'sentiment-en@grumpy'`,
    );
    expect(stored.rows[0]!.shadow.candidate).toBe('sentiment-en@grumpy');

    await promote(db, 'sentiment-en@grumpy', 'test');
    await new Promise((r) => setTimeout(r, 200));
    expect((await a.sentiment()).versions.en).toBe('sentiment-en@grumpy');
    expect((await b.sentiment()).score(['the agent answered my question'])[0]!.label).toBe('negative');
    await rollback(db, SENTIMENT_KIND, 'en', 'test');
    await new Promise((r) => setTimeout(r, 200));
    expect((await a.sentiment()).versions.en).toBe('sentiment-en@happy');
  });

  it('registers shipped models: a new release replaces the shipped one, a version promoted in the service stays', async () => {
    const { db } = get();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kpi-shipped-'));
    try {
      await db.query(`update model_versions set status = 'retired' where kind = 'sentiment'`);
      ship(dir, 'sentiment-en@ship1');
      await registerShippedSentiment(db, dir);
      expect((await buildSentimentEngine(db, dir)).versions.en).toBe('sentiment-en@ship1');
      ship(dir, 'sentiment-en@ship2');
      await registerShippedSentiment(db, dir);
      expect((await buildSentimentEngine(db, dir)).versions.en).toBe('sentiment-en@ship2');
      await registerVersion(db, {
        id: 'sentiment-en@trained',
        kind: SENTIMENT_KIND,
        scope: 'en',
        artifact: tinyModel('sentiment-en@trained', 1),
      });
      await promote(db, 'sentiment-en@trained', 'admin');
      ship(dir, 'sentiment-en@ship3');
      await registerShippedSentiment(db, dir);
      expect((await buildSentimentEngine(db, dir)).versions.en).toBe('sentiment-en@trained');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
