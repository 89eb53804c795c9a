/** The new metrics are in the seeded catalogue on both backends, and what the importers emit is accepted and stored. */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { importGa4Report, importSycmFile, importSycmFiles } from '../../src/history/importers/index.js';
import { historyTarget } from '../../src/history/repository.js';
import { validateRecords, writeRows } from '../../src/ingest/pipeline.js';
import { describeEachBackend } from '../helpers/db.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/importers/${name}`, import.meta.url));

describeEachBackend('imports with ad spend, new customers, ROI and CAC', (get) => {
  it('seeds ad_spend, new_customers, roi and cac with their units and bounds', async () => {
    const { rows } = await get().db.query<{
      id: string;
      unit: string;
      direction: string;
      min_value: number | null;
      max_value: number | null;
    }>(
      `select id, unit, direction, min_value, max_value from metrics where id in ('ad_spend', 'new_customers', 'roi', 'cac') order by id`,
    );
    expect(rows).toEqual([
      { id: 'ad_spend', unit: 'CNY', direction: 'lower', min_value: 0, max_value: null },
      { id: 'cac', unit: 'CNY', direction: 'lower', min_value: 0, max_value: null },
      { id: 'new_customers', unit: 'count', direction: 'higher', min_value: 0, max_value: null },
      { id: 'roi', unit: 'times', direction: 'higher', min_value: 0, max_value: null }, // ROI 10.4 is no ratio
    ]);
  });

  it('stores the month from the .xls and again from 30 daily files without a change', async () => {
    const { db } = get();
    await db.query(
      `insert into employees (id, role_id) values ('imp1', 'sales_ops'), ('imp2', 'sales_ops') on conflict do nothing`,
    );
    const target = historyTarget('sycm');
    const xls = await importSycmFile(fixture('sycm-shop-2026-06.xls'), { employee_id: 'imp1', periodKind: 'month' });
    const rows = await validateRecords(db, target, xls.rows as unknown as Record<string, unknown>[]);
    expect(
      await writeRows(
        db,
        target,
        rows.map((r) => r.value),
      ),
    ).toMatchObject({ inserted: 8, updated: 0 });

    const files = Array.from({ length: 30 }, (_, i) => {
      const name = `2026-06-${String(i + 1).padStart(2, '0')}.csv`;
      return { name, bytes: fixture(`sycm-daily-2026-06/${name}`) };
    });
    const daily = await importSycmFiles(files, { employee_id: 'imp1', periodKind: 'month' });
    const again = await validateRecords(db, target, daily.rows as unknown as Record<string, unknown>[]);
    expect(
      await writeRows(
        db,
        target,
        again.map((r) => r.value),
      ),
    ).toMatchObject({ inserted: 0, updated: 0 });
    const stored = await db.query<{ metric_id: string; value: number }>(
      `select metric_id, value from kpi_history where employee_id = 'imp1' and period = '2026-06' order by metric_id`,
    );
    expect(Object.fromEntries(stored.rows.map((r) => [r.metric_id, r.value]))).toEqual({
      ad_spend: 10726.25,
      aov: 105.43,
      cac: 22.53,
      conversion_rate: 0.023148,
      gmv: 111648,
      new_customers: 476,
      roi: 10.4089,
      visitors: 45750,
    });

    const ga4 = importGa4Report(fixture('ga4-roi-daily.snake.json'), { employee_id: 'imp2', periodKind: 'month' });
    const gaRows = await validateRecords(db, historyTarget('ga4'), ga4.rows as unknown as Record<string, unknown>[]);
    expect(
      await writeRows(
        db,
        historyTarget('ga4'),
        gaRows.map((r) => r.value),
      ),
    ).toMatchObject({ inserted: 8 });
  });
});
