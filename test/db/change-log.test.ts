/**
 * The change logs past their compaction threshold (src/db/change-log.ts): folding read_changes or
 * forecast_changes into one row keeps sum(n), moves the version (so whatever was stored at the old one
 * is computed once more), and later commits still move it. Both backends.
 */
import { expect, it } from 'vitest';
import { compactChangeLog } from '../../src/db/change-log.js';
import type { Queryable } from '../../src/db/types.js';
import { forecastFingerprint } from '../../src/kpi/targets-store.js';
import { COMPACT_AFTER, dataVersion } from '../../src/services/results-store.js';
import { describeEachBackend } from '../helpers/db.js';

const LOGS = [
  { table: 'read_changes', version: dataVersion, write: "insert into roles (id, name) values ('cl_role', 'CL')" },
  {
    table: 'forecast_changes',
    version: forecastFingerprint,
    write: "insert into employees (id, role_id) values ('CL1', 'sales_ops')",
  },
] as const;

async function logState(db: Queryable, table: string): Promise<{ rows: number; sum: number; maxId: number }> {
  const r = await db.query<{ rows: number; sum: number; max_id: number }>(
    `select count(*)::int as rows, coalesce(sum(n), 0)::int as sum, coalesce(max(id), 0)::int as max_id from ${table}`,
  );
  return { rows: r.rows[0]!.rows, sum: r.rows[0]!.sum, maxId: r.rows[0]!.max_id };
}

describeEachBackend('change logs past their threshold', (get) => {
  for (const log of LOGS) {
    it(`${log.table}: folds into one row, keeps sum(n), moves the version; later commits still move it`, async () => {
      const { db } = get();
      // one row per committed transaction, as the statement-level triggers write them
      const before = await logState(db, log.table);
      const toAdd = COMPACT_AFTER + 1 - before.rows;
      if (toAdd > 0) {
        await db.query(`insert into ${log.table} (xid) select 'test:' || g::text from generate_series(1, $1::int) g`, [
          toAdd,
        ]);
      }
      const full = await logState(db, log.table);
      expect(full.rows).toBe(COMPACT_AFTER + 1);
      const versionFull = await log.version(db);

      expect(await compactChangeLog(db, log.table, COMPACT_AFTER + 1)).toBe(false);
      expect(await logState(db, log.table)).toEqual(full);

      expect(await compactChangeLog(db, log.table, COMPACT_AFTER)).toBe(true);
      const folded = await logState(db, log.table);
      expect(folded.rows).toBe(1);
      expect(folded.sum).toBe(full.sum);
      expect(folded.maxId).toBeGreaterThan(full.maxId);
      const versionFolded = await log.version(db);
      expect(versionFolded).not.toBe(versionFull);
      expect(versionFolded).toBe(`${full.sum}:${folded.maxId}`);

      // a small log is left alone
      expect(await compactChangeLog(db, log.table, COMPACT_AFTER)).toBe(false);

      // a real write after the fold is one more row and moves the version again
      await db.query(log.write);
      const after = await logState(db, log.table);
      expect(after).toEqual({ rows: 2, sum: full.sum + 1, maxId: expect.any(Number) });
      expect(await log.version(db)).not.toBe(versionFolded);
    });
  }
});
