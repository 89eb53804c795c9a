/**
 * Shadow comparison of two baseline versions on the demo data: targets per person that move, both
 * coverages; with a job's compute the forecasts run in its thread and the report is the same.
 */
import { describe, expect, inject, it } from 'vitest';
import { closeComputeThreads, computeThreadsStarted, openCompute } from '../../src/jobs/compute.js';
import { trainScope } from '../../src/kpi/train.js';
import { compareWithActive } from '../../src/registry/shadow.js';
import { prepareData } from '../../src/setup.js';
import { openTestDb } from '../helpers/db.js';

describe.skipIf(!inject('services').postgres)('baseline shadow comparison [postgres]', () => {
  it('reports the targets that would move and both versions’ backtest coverage', async () => {
    const t = await openTestDb('postgres');
    try {
      const quiet = { info() {}, warn() {}, error() {} };
      await prepareData(t.db, { demo: true }, quiet as never);
      const key = { role: 'sales_ops', metric: 'gmv', kind: 'month' as const };
      const a = await trainScope(t.db, key, { network: false });
      const b = await trainScope(t.db, key, { network: false, horizon: 2 });
      expect(a.promoted).toBe(true);
      expect(b.version).not.toBe(a.version);
      // first in a job thread (data in, result out), then again on this thread from an empty forecast cache
      await t.db.query('delete from baseline_forecast_cache');
      // no idle thread left by an earlier file in this worker process (vitest runs files unisolated)
      await closeComputeThreads();
      const started = computeThreadsStarted();
      const compute = openCompute();
      const threaded = await compareWithActive(t.db, b.version!, {
        threshold: 0.02,
        limit: 1000,
        modelsDir: 'models',
        compute,
      }).finally(() => compute.close());
      expect(computeThreadsStarted()).toBe(started + 1);
      await t.db.query('delete from baseline_forecast_cache');
      const report = await compareWithActive(t.db, b.version!, { threshold: 0.02, limit: 1000, modelsDir: 'models' });
      expect({ ...threaded, at: '' }).toEqual({ ...report, at: '' });
      expect(report).toMatchObject({ kind: 'baseline', active: a.version, candidate: b.version });
      expect(report.compared).toBeGreaterThan(50);
      expect(report.moved_count).toBeLessThanOrEqual(report.changed);
      for (const m of report.moved) expect(Math.abs(m.delta) / Math.abs(m.active)).toBeGreaterThan(0.02);
      expect(report.evaluation?.candidate.coverage80).toBeGreaterThan(0.5);
      expect(report.evaluation?.active?.coverage80).toBeGreaterThan(0.5);
    } finally {
      await t.dispose();
    }
  });
});
