// Pure speed work on the aspect path (issue 18) must not change a single answer: the engine's scored
// reviews (aspects, their polarity and probability, confidence, agent flag, spans; the review's label
// and P(positive)) on the whole aspect evaluation set and on the bench's 6,281 zh reviews hash as the
// fixture written by the code before that work (training/aspects-fingerprint.ts). Needs the shared
// data (../shared/data/reviews); in CI (CI=true) its absence fails instead of skipping.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSentimentModels } from '../../src/reviews/sentiment/index.js';
import { fingerprint, haveFingerprintData, readFingerprint } from '../../training/aspects-fingerprint.js';

const models = path.resolve(import.meta.dirname, '..', '..', 'models');
const run = haveFingerprintData() || process.env.CI === 'true';

describe.runIf(run)('aspect answers are unchanged by speed work', () => {
  const old = readFingerprint();

  it('engine.score: every eval-set item and the bench file hash as before', async () => {
    const engine = await loadSentimentModels(models);
    const now = await fingerprint(engine);
    expect(now.versions).toEqual(old.versions);
    expect(Object.keys(now.items).length).toBeGreaterThanOrEqual(2300);
    const changed = Object.keys(old.items).filter((id) => now.items[id] !== old.items[id]);
    expect(changed).toEqual([]);
    expect(now.items).toEqual(old.items);
    expect(now.bench).toEqual(old.bench);
  }, 120_000);

  it('engine.scoreAsync on scoring threads answers the same', async () => {
    const engine = await loadSentimentModels(models, { threads: 2 });
    try {
      const now = await fingerprint(engine, { async: true });
      expect(now.items).toEqual(old.items);
      expect(now.bench).toEqual(old.bench);
    } finally {
      await engine.close();
    }
  }, 120_000);
});
