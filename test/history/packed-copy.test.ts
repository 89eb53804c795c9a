/**
 * The read-optimised copy of the history (kpi_history_packed, migration 026) equals a from-scratch
 * aggregate of kpi_history after every kind of write — CSV (COPY on PostgreSQL) and JSON uploads,
 * updates, daily-grain imports, deletes, a refused upload (nothing changes), TRUNCATE — on both
 * backends; on PostgreSQL two transactions writing the same period at once both land in it (the second
 * waits for the first's lock at commit), and concurrent uploads of overlapping periods in different
 * orders all commit. A database migrated to 025 with history in it reads the same after 026.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { listMigrations, migrate } from '../../src/db/migrate.js';
import { openPglite } from '../../src/db/pglite.js';
import { openPostgres } from '../../src/db/postgres.js';
import type { Db, Queryable } from '../../src/db/types.js';
import { parsePeriod } from '../../src/history/period.js';
import { loadScopeHistory } from '../../src/kpi/series.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';

interface PackedRow {
  metric_id: string;
  period_kind: string;
  period: string;
  period_start: string;
  n: number;
  ids: string;
  vals: string;
}

const COLUMNS = `metric_id, period_kind, period, period_start::text as period_start, n, ids, encode(vals, 'hex') as vals`;

/** The copy as stored. */
const stored = async (q: Queryable): Promise<PackedRow[]> =>
  (await q.query<PackedRow>(`select ${COLUMNS} from kpi_history_packed order by metric_id, period_kind, period`)).rows;

/** The copy recomputed from kpi_history now. */
const fromScratch = async (q: Queryable): Promise<PackedRow[]> =>
  (
    await q.query<PackedRow>(
      `select ${COLUMNS} from (
         select metric_id, period_kind, period, min(period_start) as period_start, count(*)::int as n,
                string_agg(employee_id, chr(30) order by employee_id collate "C") as ids,
                string_agg(float8send(value), ''::bytea order by employee_id collate "C") as vals
           from kpi_history group by metric_id, period_kind, period) x
       order by metric_id, period_kind, period`,
    )
  ).rows;

/** The copy equals the from-scratch aggregate, and no touched key is left behind. */
async function expectExact(q: Queryable): Promise<PackedRow[]> {
  const want = await fromScratch(q);
  expect(await stored(q)).toEqual(want);
  expect((await q.query<{ n: number }>('select count(*)::int as n from kpi_history_touched')).rows[0]!.n).toBe(0);
  return want;
}

const PEOPLE = 60;
const week = (w: number) => `2025-W${String(w).padStart(2, '0')}`;

/** `people` × `weeks` rows of gmv and conversion_rate for P0…, values from `seed`. */
function historyCsv(people: number, weeks: number[], seed: number): string {
  const lines = ['employee_id,metric_id,period,value'];
  for (const w of weeks)
    for (let i = 0; i < people; i++) {
      lines.push(`P${i},gmv,${week(w)},${1000 + seed * 7 + i * 3.25 + w / 3}`);
      lines.push(`P${i},conversion_rate,${week(w)},${((i + w + seed) % 90) / 1000 + 0.001}`);
    }
  return `${lines.join('\n')}\n`;
}

describeEachBackend('kpi_history_packed, the read-optimised copy', (get, backend) => {
  // the concurrency cases need two connections: declared in the PostgreSQL run only (PGlite has one)
  const itOnPostgres = (name: string, fn: () => Promise<void>) => {
    if (backend === 'postgres') it(name, fn);
  };
  let t: TestApp;
  const post = (
    url: string,
    payload: string | object | Buffer,
    type = 'text/csv',
    extra: Record<string, string> = {},
  ) =>
    t.app.inject({
      method: 'POST',
      url,
      payload: payload as string,
      headers: { 'content-type': type, ...extra, ...t.auth('hr') },
    });

  beforeAll(async () => {
    t = await buildTestApp(get().db, { BODY_LIMIT: '8mb' });
    const people = [
      ...Array.from({ length: PEOPLE }, (_, i) => ({ id: `P${i}`, role: i % 3 === 0 ? 'cs_agent' : 'sales_ops' })),
      ...Array.from({ length: 8 }, (_, i) => ({ id: `C${i}`, role: 'sales_ops' })),
      { id: 'daily-1', role: 'sales_ops' },
    ];
    const r = await post('/v1/employees', people, 'application/json');
    expect(r.statusCode, r.body).toBe(200);
  });
  afterAll(async () => {
    await t?.app.close();
  });

  it('equals the from-scratch aggregate after a CSV upload (COPY on PostgreSQL), the same file again, and a JSON update', async () => {
    const { db } = get();
    // 60 × 20 weeks × 2 metrics = 2,400 rows: past COPY_MIN_ROWS, so the COPY path on PostgreSQL
    const first = await post(
      '/v1/history',
      historyCsv(
        PEOPLE,
        [...Array(20).keys()].map((w) => w + 1),
        0,
      ),
    );
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ inserted: 2400 });
    const after = await expectExact(db);
    expect(after).toHaveLength(40);
    expect(after[0]!.n).toBe(PEOPLE);
    const again = await post(
      '/v1/history',
      historyCsv(
        PEOPLE,
        [...Array(20).keys()].map((w) => w + 1),
        0,
      ),
    );
    expect(again.json()).toMatchObject({ unchanged: 2400 });
    expect(await stored(db)).toEqual(after);
    // changed values, an unchanged one, and a new period, in one JSON body
    const upd = await post(
      '/v1/history',
      [
        { employee_id: 'P1', metric_id: 'gmv', period: week(3), value: 0.1 + 0.2 },
        { employee_id: 'P2', metric_id: 'gmv', period: week(3), value: 5e-324 },
        { employee_id: 'P4', metric_id: 'gmv', period: week(4), value: 1000 + 4 * 3.25 + 4 / 3 },
        { employee_id: 'P5', metric_id: 'gmv', period: week(30), value: 1.5 },
      ],
      'application/json',
    );
    expect(upd.statusCode, upd.body).toBe(200);
    expect(upd.json()).toMatchObject({ inserted: 1, updated: 2, unchanged: 1 });
    const now = await expectExact(db);
    expect(now.find((r) => r.metric_id === 'gmv' && r.period === week(30))).toMatchObject({ n: 1, ids: 'P5' });
  });

  it('changes nothing when an upload is refused (4xx)', async () => {
    const { db } = get();
    const before = await stored(db);
    const csv = historyCsv(PEOPLE, [1, 2, 40], 9).replace('P7,gmv,2025-W02', 'NOBODY,gmv,2025-W02');
    const r = await post('/v1/history', csv);
    expect(r.statusCode, r.body).toBe(422);
    expect(await stored(db)).toEqual(before);
    await expectExact(db);
  });

  it('equals the from-scratch aggregate after a daily-grain import (the periods rolled up from days)', async () => {
    const { db } = get();
    const day = (d: number) =>
      readFileSync(
        new URL(`../fixtures/importers/sycm-daily-2026-06/2026-06-${String(d).padStart(2, '0')}.csv`, import.meta.url),
      );
    for (const d of [1, 2, 3]) {
      const r = await post(
        '/v1/history/import/sycm?employee_id=daily-1&period_kind=month&partial=include',
        day(d),
        'text/csv',
      );
      expect(r.statusCode, r.body).toBe(200);
    }
    const now = await expectExact(db);
    expect(now.some((r) => r.period === '2026-06' && r.ids === 'daily-1')).toBe(true);
  });

  it('equals the from-scratch aggregate after deletes (a whole period, part of one) and a delete of nothing', async () => {
    const { db } = get();
    await db.query(`delete from kpi_history where metric_id = 'gmv' and period = $1`, [week(20)]);
    await db.transaction(async (tx) => {
      await tx.query(
        `delete from kpi_history where metric_id = 'gmv' and period = $1 and employee_id in ('P0', 'P9')`,
        [week(19)],
      );
      await tx.query(`update kpi_history set value = value * 2 where metric_id = 'conversion_rate' and period = $1`, [
        week(18),
      ]);
      // a row moved to another period (by hand): both periods follow
      await tx.query(
        `update kpi_history set period = $2, period_start = $3 where employee_id = 'P3' and metric_id = 'gmv' and period = $1`,
        [week(17), week(31), parsePeriod(week(31))!.start],
      );
    });
    await db.query(`delete from kpi_history where employee_id = 'no-such-person'`);
    const now = await expectExact(db);
    expect(now.some((r) => r.metric_id === 'gmv' && r.period === week(20))).toBe(false);
    expect(now.find((r) => r.metric_id === 'gmv' && r.period === week(19))!.n).toBe(PEOPLE - 2);
    expect(now.find((r) => r.metric_id === 'gmv' && r.period === week(31))!.ids).toBe('P3');
  });

  it('takes an upload touching thousands of periods (a bounded number of locks) and stays exact', async () => {
    const { db } = get();
    const lines = ['employee_id,metric_id,period,value'];
    for (let i = 0; i < 3000; i++)
      lines.push(`C7,visitors,${1900 + Math.floor(i / 52)}-W${String((i % 52) + 1).padStart(2, '0')},${i}`);
    const r = await post('/v1/history', `${lines.join('\n')}\n`);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ inserted: 3000 });
    const now = await expectExact(db);
    expect(now.filter((x) => x.metric_id === 'visitors' && x.ids === 'C7')).toHaveLength(3000);
  });

  it('rolls back with its transaction', async () => {
    const { db } = get();
    const before = await stored(db);
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`delete from kpi_history where metric_id = 'gmv'`);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await stored(db)).toEqual(before);
  });

  itOnPostgres(
    'PostgreSQL: two transactions writing the same period at once both land in the copy (the second waits for the first at commit)',
    async () => {
      const { db } = get();
      const period = week(45);
      const start = parsePeriod(period)!.start;
      let release!: () => void;
      const released = new Promise<void>((r) => {
        release = r;
      });
      let holding!: () => void;
      const held = new Promise<void>((r) => {
        holding = r;
      });
      // the first: writes C0's row and runs its last step now (SET CONSTRAINTS … IMMEDIATE), so it
      // holds the period's lock, then waits before committing
      const first = db.transaction(async (tx) => {
        await tx.query(
          `insert into kpi_history (employee_id, metric_id, period, period_kind, period_start, value) values ('C0', 'gmv', $1, 'week', $2, 1.25)`,
          [period, start],
        );
        await tx.query('set constraints all immediate');
        holding();
        await released;
      });
      await held;
      // the second: an upload of C1's row to the same period through the service
      const second = post(
        '/v1/history',
        [{ employee_id: 'C1', metric_id: 'gmv', period, value: 2.5 }],
        'application/json',
      );
      // …which commits only once it has the period's lock: it waits for the first
      let waiting = 0;
      for (let i = 0; i < 200 && waiting === 0; i++) {
        await new Promise((r) => setTimeout(r, 25));
        waiting = (
          await db.query<{ n: number }>(
            `select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`,
          )
        ).rows[0]!.n;
      }
      expect(waiting).toBeGreaterThan(0);
      release();
      await first;
      const r = await second;
      expect(r.statusCode, r.body).toBe(200);
      const now = await expectExact(db);
      expect(now.find((x) => x.metric_id === 'gmv' && x.period === period)).toMatchObject({ n: 2, ids: 'C0\u001eC1' });
    },
  );

  itOnPostgres(
    'PostgreSQL: concurrent uploads of overlapping periods, in different orders, all commit and the copy is exact',
    async () => {
      const { db } = get();
      const weeks = [50, 51, 52, 49];
      const uploads = Array.from({ length: 8 }, (_, u) => {
        const order = u % 2 ? weeks.slice().reverse() : weeks.slice(u % 4).concat(weeks.slice(0, u % 4));
        return order.flatMap((w) => [
          { employee_id: `C${u}`, metric_id: 'gmv', period: week(w), value: u * 100 + w + 0.5 },
          { employee_id: `C${u}`, metric_id: 'conversion_rate', period: week(w), value: (u + w) / 1000 },
        ]);
      });
      const answers = await Promise.all(uploads.map((rows) => post('/v1/history', rows, 'application/json')));
      for (const r of answers) expect(r.statusCode, r.body).toBe(200);
      const now = await expectExact(db);
      for (const w of weeks)
        expect(now.find((x) => x.metric_id === 'gmv' && x.period === week(w))!.ids.split('\u001e')).toEqual(
          Array.from({ length: 8 }, (_, u) => `C${u}`),
        );
    },
  );

  itOnPostgres('PostgreSQL: a REPEATABLE READ transaction that writes kpi_history is refused at commit', async () => {
    const { db } = get();
    const before = await stored(db);
    await expect(
      db.transaction(async (tx) => {
        await tx.query('set transaction isolation level repeatable read');
        await tx.query(`update kpi_history set value = value + 1 where employee_id = 'P1' and period = $1`, [week(1)]);
      }),
    ).rejects.toThrow(/READ COMMITTED/);
    expect(await stored(db)).toEqual(before);
  });

  it('TRUNCATE empties it', async () => {
    const { db } = get();
    await db.query('truncate kpi_history');
    expect(await stored(db)).toEqual([]);
    await expectExact(db);
  });
});

/** A database migrated to 025, with history written then; `go` gets it, then it is disposed of. */
async function at025(backend: 'pglite' | 'postgres', go: (db: Db) => Promise<void>): Promise<void> {
  if (backend === 'pglite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kpi-025-'));
    const db = await openPglite(path.join(dir, 'pglite'));
    try {
      await go(db);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
    return;
  }
  const { postgresUrl } = inject('services');
  const schema = `kpi_test_025_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const db = await openPostgres({ url: postgresUrl, schema });
  try {
    await go(db);
  } finally {
    await db.close();
    const admin = await openPostgres({ url: postgresUrl, max: 1 });
    await admin.exec(`drop schema if exists ${schema} cascade`);
    await admin.close();
  }
}

for (const backend of ['pglite', 'postgres'] as const)
  it.skipIf(backend === 'postgres' && !inject('services').postgres)(
    `a database upgraded from 025 reads the same history after 026 [${backend}]`,
    { timeout: 60_000 },
    async () => {
      await at025(backend, async (db) => {
        const all = listMigrations();
        await migrate(
          db,
          all.filter((m) => m.version <= 25),
        );
        await db.query(`insert into roles (id, name) values ('r1', 'R1'), ('r2', 'R2')`);
        await db.query(
          `insert into employees (id, role_id, hire_date) select 'E' || i, case when i % 4 = 0 then 'r2' else 'r1' end, '2024-01-01' from generate_series(1, 40) i`,
        );
        // r2's people have values two quarters before r1's and one after
        await db.query(
          `insert into kpi_history (employee_id, metric_id, period, period_kind, period_start, value)
           select 'E' || i, 'order_handling_time', q.p, 'quarter', q.s, i * 1.1 + q.k / 7.0
             from generate_series(1, 40) i,
                  (values ('2024-Q3', date '2024-07-01', 0), ('2024-Q4', date '2024-10-01', 1), ('2025-Q1', date '2025-01-01', 2),
                          ('2025-Q2', date '2025-04-01', 3), ('2025-Q3', date '2025-07-01', 4)) q(p, s, k)
            where (i % 4 = 0 or q.k between 2 and 3) and (i + q.k) % 9 <> 4`,
        );
        // the read as it was before the copy (the semi-join with the role's people)
        const old = (
          await db.query<{ period: string; pairs: string }>(
            `select h.period, string_agg(h.employee_id || '=' || h.value::text, ',' order by h.employee_id) as pairs from kpi_history h
              where h.metric_id = 'order_handling_time' and h.period_kind = 'quarter'
                and exists (select 1 from employees e where e.id = h.employee_id and e.role_id = 'r1')
              group by h.period order by h.period`,
          )
        ).rows;
        expect(old.map((r) => r.period)).toEqual(['2025-Q1', '2025-Q2']);
        expect(await migrate(db, all)).toEqual(all.filter((m) => m.version > 25).map((m) => m.version));
        await expectExact(db);
        const h = (await loadScopeHistory(db, { role: 'r1', metric: 'order_handling_time', kind: 'quarter' }))!;
        // the grid is r1's periods only, though r2's reach further both ways
        expect(h.grid.periods.map((p) => p.id)).toEqual(['2025-Q1', '2025-Q2']);
        const pairs = h.grid.periods.map((_, t) =>
          h.people
            .filter((p) => !Number.isNaN(p.values[t]!))
            .map((p) => `${p.id}=${p.values[t]}`)
            .sort()
            .join(','),
        );
        const want = old.map((r) =>
          r.pairs
            .split(',')
            .map((x) => {
              const [id, v] = x.split('=');
              return `${id}=${Number(v)}`;
            })
            .sort()
            .join(','),
        );
        expect(pairs).toEqual(want);
        expect(h.rows).toBe(old.reduce((n, r) => n + r.pairs.split(',').length, 0));
        expect(h.people.length + h.withoutHistory.length).toBe(30);
        const r2 = (await loadScopeHistory(db, { role: 'r2', metric: 'order_handling_time', kind: 'quarter' }))!;
        expect(r2.grid.periods.map((p) => p.id)).toEqual(['2024-Q3', '2024-Q4', '2025-Q1', '2025-Q2', '2025-Q3']);
      });
    },
  );
