/**
 * Job threads (src/jobs/compute.ts): data in, result out. The same result as on the calling thread,
 * progress notes, TensorFlow.js inside the thread, errors with their flags, and cancel ends the thread.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SeriesInput } from '../../src/baselines/types.js';
import { BaselineInputError } from '../../src/baselines/errors.js';
import { trainGroupModel } from '../../src/baselines/index.js';
import { packForecasts } from '../../src/baselines/parallel.js';
import { closeComputeThreads, openCompute } from '../../src/jobs/compute.js';
import { threadForecaster } from '../../src/jobs/compute-forecaster.js';
import { DomainError } from '../../src/lib/errors.js';
import { writeLabelledSet } from '../faults/helpers.js';

const series: SeriesInput[] = Array.from({ length: 12 }, (_, i) => ({
  id: `p${i}`,
  periodsPerYear: 12,
  start: { year: 2022, index: 0 },
  values: Array.from({ length: 32 }, (_, t) => 100 + 5 * i + 10 * Math.sin((2 * Math.PI * t) / 12) + ((t * 7 + i) % 5)),
}));

describe('job threads', () => {
  afterAll(() => closeComputeThreads());

  it('trains a baseline model in a thread with the same result as on this thread', async () => {
    const input = { series, options: { horizon: 3, network: true, steps: 10, seed: 1 } };
    const here = await openCompute({ threads: false }).run('baselineModel', input);
    const compute = openCompute();
    try {
      const there = await compute.run('baselineModel', input);
      // the same model (its training time aside), compared by digest to keep a failure short
      const digest = (json: string) => {
        const { trainedOn: _timing, ...model } = JSON.parse(json) as Record<string, unknown>;
        return createHash('sha256').update(JSON.stringify(model)).digest('hex');
      };
      expect(digest(there.json)).toBe(digest(here.json));
      expect({ ...there.figures, train_seconds: 0 }).toEqual({ ...here.figures, train_seconds: 0 });
    } finally {
      compute.close();
    }
  });

  it('reports progress, trains with TensorFlow.js in the thread and transfers the weights', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kpi-compute-'));
    writeLabelledSet(dir, 400, 100);
    const notes: string[] = [];
    const compute = openCompute();
    try {
      const trained = await compute.run(
        'sentimentModel',
        { language: 'en', dataDir: dir, options: { epochs: 2 }, bagFolds: 0 },
        { progress: (_p, stage) => void notes.push(stage) },
      );
      expect(trained.weights).toBeInstanceOf(Float32Array);
      expect(trained.weights.length).toBeGreaterThan(0);
      expect(trained.meta.language).toBe('en');
      expect(notes.some((n) => n.startsWith('epoch'))).toBe(true);
    } finally {
      compute.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects with the task error; a cancelled task ends its thread', async () => {
    const compute = openCompute();
    try {
      const mixed = [series[0]!, { ...series[1]!, periodsPerYear: 4 }];
      await expect(compute.run('baselineModel', { series: mixed, options: { horizon: 3 } })).rejects.toMatchObject({
        code: 'mixed_frequency',
      });
    } finally {
      compute.close();
    }
    const controller = new AbortController();
    const cancelled = openCompute({ signal: controller.signal });
    const long = cancelled.run('baselineModel', { series, options: { horizon: 3, network: true, steps: 1_000_000 } });
    setTimeout(() => controller.abort(new Error('cancelled by test')), 500);
    const t0 = performance.now();
    await expect(long).rejects.toThrow('cancelled by test');
    expect(performance.now() - t0).toBeLessThan(60_000);
    cancelled.close();
  });

  it('forecasts in the thread as on this thread; the model crosses once per key, and input errors stay BaselineInputErrors', async () => {
    const model = trainGroupModel(series, { horizon: 3, network: false, seed: 1 });
    const asked = series.map((s) => ({ ...s, values: s.values.slice(0, 28) }));
    const here = packForecasts(await model, asked, 2);
    const compute = openCompute();
    try {
      const runs: { withModel: boolean }[] = [];
      const spy: typeof compute = {
        run: (task, input, o) => {
          runs.push({ withModel: (input as { model?: unknown }).model !== undefined });
          return compute.run(task, input, o);
        },
        close: () => compute.close(),
      };
      const forecaster = threadForecaster(spy);
      const key = `test-${Math.random()}`;
      const first = await forecaster(await model, asked, 2, key);
      const again = await forecaster(await model, asked, 2, key);
      for (const f of [first, again]) {
        expect(f.ids).toEqual(here.ids);
        expect([...f.q]).toEqual([...here.q]);
        expect([...f.d]).toEqual([...here.d]);
      }
      // the first asks without the model, is told the thread lacks it, and sends it; the second needs none
      expect(runs.map((r) => r.withModel)).toEqual([false, true, false]);
      await expect(forecaster(await model, asked, 99, key)).rejects.toBeInstanceOf(BaselineInputError);
    } finally {
      compute.close();
    }
  });

  it('a DomainError of a task crosses back as a DomainError with its members (ab_compare names the field)', async () => {
    const compute = openCompute();
    try {
      const err = await compute
        .run('abCompare', { a: { name: 'a', rows: [] }, b: { name: 'b', rows: [] } })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect(err).toMatchObject({ code: 'unprocessable', extra: { field: 'a.rows' } });
    } finally {
      compute.close();
    }
  });
});
