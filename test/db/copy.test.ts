/**
 * PostgreSQL's bulk path (issue 16): COPY in text format inside a transaction — every awkward
 * character comes back as it went in, a failed transaction leaves nothing, and a history upload of
 * COPY_MIN_ROWS or more goes through it (the counts as the unnest path gives them).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { copyField, copyLine } from '../../src/db/copy.js';
import { historyTarget } from '../../src/history/repository.js';
import { COPY_MIN_ROWS, upsertRows, validateAndWrite } from '../../src/ingest/pipeline.js';
import { InvalidRowsError } from '../../src/lib/errors.js';
import { describeEachBackend } from '../helpers/db.js';

it('escapes the text format: backslash, tab, newline, CR; null as \\N', () => {
  expect(copyField('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
  expect(copyField(null)).toBe('\\N');
  expect(copyField(0.0325)).toBe('0.0325');
  expect(copyLine(['x', null, 1])).toBe('x\t\\N\t1\n');
});

const AWKWARD = ['plain', 'tab\there', 'new\nline', 'cr\rhere', 'back\\slash', '\\N', '中文，全角', 'ends with \\'];

describeEachBackend('COPY inside a transaction', (get, backend) => {
  beforeAll(async () => {
    await get().db.exec('create table copy_probe (i int, s text)');
    await get().db.query(`insert into employees (id, role_id) values ('CP1', 'sales_ops')`);
  });
  afterAll(async () => {
    await get().db.exec('drop table copy_probe');
  });

  it(
    backend === 'postgres' ? 'round-trips every character; a rollback keeps nothing' : 'is absent on PGlite',
    async () => {
      const { db } = get();
      if (backend === 'pglite') {
        await db.transaction(async (tx) => expect(tx.copyFrom).toBeUndefined());
        return;
      }
      await db.transaction(async (tx) => {
        await tx.copyFrom!(
          'copy copy_probe (i, s) from stdin',
          AWKWARD.map((s, i) => copyLine([i, s])),
        );
      });
      const back = await db.query<{ s: string }>('select s from copy_probe order by i');
      expect(back.rows.map((r) => r.s)).toEqual(AWKWARD);
      await expect(
        db.transaction(async (tx) => {
          await tx.copyFrom!('copy copy_probe (i, s) from stdin', [copyLine([99, 'gone'])]);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect((await db.query('select 1 from copy_probe where i = 99')).rows).toHaveLength(0);
    },
  );

  it('a history upload of COPY_MIN_ROWS rows: inserted, then unchanged, then updated', async () => {
    const { db } = get();
    const target = historyTarget('api');
    const rows = Array.from({ length: COPY_MIN_ROWS + 10 }, (_, i) => ({
      employee_id: 'CP1',
      metric_id: 'gmv',
      period: `${1990 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`,
      value: i + 0.5,
    }));
    const write = (r: typeof rows) => db.transaction((tx) => upsertRows(tx, target, r));
    expect(await write(rows)).toMatchObject({ inserted: rows.length, updated: 0, unchanged: 0 });
    expect(await write(rows)).toMatchObject({ inserted: 0, updated: 0, unchanged: rows.length });
    const changed = rows.map((r, i) => (i % 2 ? { ...r, value: r.value + 1 } : r));
    expect(await write(changed)).toMatchObject({ inserted: 0, updated: Math.floor(rows.length / 2) });
    const sum = await db.query<{ s: number }>(
      `select sum(value)::float8 as s from kpi_history where employee_id = 'CP1'`,
    );
    expect(sum.rows[0]!.s).toBe(changed.reduce((s, r) => s + r.value, 0));
  });

  it('rows COPYed while the rest are read: written once all are valid; a bad row late in the upload, or one the reference checks refuse, leaves nothing', async () => {
    const { db } = get();
    const target = historyTarget('api');
    const rows = Array.from({ length: COPY_MIN_ROWS * 3 }, (_, i) => ({
      employee_id: 'CP1',
      metric_id: 'visitors',
      period: `${1800 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`,
      value: String(i),
    }));
    const stored = async () =>
      (
        await db.query<{ n: number; s: number }>(
          `select count(*)::int8 as n, coalesce(sum(value), 0)::float8 as s from kpi_history where employee_id = 'CP1'`,
        )
      ).rows[0]!;
    const before = await stored();
    const refused = async (records: Record<string, unknown>[], reason: RegExp) => {
      const err = await validateAndWrite(db, target, records).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidRowsError);
      expect(JSON.stringify((err as InvalidRowsError).errors)).toMatch(reason);
      expect(await stored()).toEqual(before);
    };
    await refused([...rows, { ...rows[0]!, value: 'x' }], /expected a number, got 'x'/);
    await refused([...rows, { ...rows[5]! }], /duplicates row 6/);
    await refused([...rows, { ...rows[0]!, employee_id: 'NOBODY', period: '2001-01' }], /unknown employee 'NOBODY'/);
    const { written } = await validateAndWrite(db, target, rows);
    expect(written).toEqual({ received: rows.length, inserted: rows.length, updated: 0, unchanged: 0 });
    const again = await validateAndWrite(db, target, rows);
    expect(again.written).toEqual({ received: rows.length, inserted: 0, updated: 0, unchanged: rows.length });
    expect((await stored()).n).toBe(before.n + rows.length);
  });
});
