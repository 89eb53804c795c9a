/**
 * SQL of the console's target desk (src/services/target-desk.ts): the recorded values of a scope's
 * metric for a few people over a range of periods (the sparklines and the "why this number" history),
 * and the desk's stored tables (migration 022): one role's targets of a metric and period, one row a
 * person with the sort keys and flags as columns, served while computed at the current data version;
 * a page is sorted, searched and cut in SQL and only its rows' JSON is read.
 */
import type { Db, Queryable } from '../db/types.js';
import type { Period } from '../history/period.js';
import type { ScopeKey } from './series.js';
import {
  type BuiltTable,
  KEYED_SORTS,
  needleOf,
  rowJson,
  TABLE_FLAGS,
  type TableQuery,
  type TableRow,
  type TableSort,
} from './targets-table.js';

/** Values of `key.metric` at `key.kind` periods in [from.start, to.start] for `ids`, as id → period → value. */
export async function valuesBetween(
  db: Queryable,
  key: ScopeKey,
  from: Period,
  to: Period,
  ids: readonly string[],
): Promise<Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, number>>();
  if (ids.length === 0) return out;
  const r = await db.query<{ employee_id: string; period: string; value: number }>(
    `select employee_id, period, value from kpi_history
      where metric_id = $1 and period_kind = $2 and period_start >= $3 and period_start <= $4 and employee_id = any($5::text[])`,
    [key.metric, key.kind, from.start, to.start, [...ids]],
  );
  for (const row of r.rows) {
    let m = out.get(row.employee_id);
    if (!m) out.set(row.employee_id, (m = new Map()));
    m.set(row.period, Number(row.value));
  }
  return out;
}

/** A stored desk table's lookup: the current data version and the table stored under the key, if any. */
export interface StoredTableRef {
  current: string;
  gen: number | null;
  version: string | null;
  head: string | null;
  size: number | null;
}

/** The current data version and the stored table of `key`, in one call (migration 022's desk_table). */
export async function lookupTable(db: Queryable, key: string): Promise<StoredTableRef> {
  const r = await db.query<StoredTableRef>('select current, gen, version, head, size from desk_table($1)', [key]);
  const row = r.rows[0]!;
  return { ...row, gen: row.gen === null ? null : Number(row.gen) };
}

const COLUMN: Readonly<Record<TableSort, string>> = {
  employee: 'employee_id',
  target: 'target',
  suggested: 'suggested',
  floor: 'floor',
  actual: 'actual',
  attainment: 'attainment',
  width: 'width',
};

/** The query's where and order clauses ($1 the gen, $2 the needle); columns from fixed lists only. */
function clauses(q: TableQuery): { where: string; order: string } {
  const flag = q.flag ? ` and ${TABLE_FLAGS.find((f) => f === q.flag)}` : '';
  const dir = q.dir === 'desc' ? 'desc' : 'asc';
  return {
    where: `where gen = $1 and ($2::text is null or strpos(id_lower, $2) > 0)${flag}`,
    order: q.sort === 'employee' ? `employee_id ${dir}` : `${COLUMN[q.sort]} ${dir} nulls last, employee_id asc`,
  };
}

/**
 * The rows' JSON of the ids the inner query orders: the ids are sorted alone (narrow tuples), then
 * each row is fetched by its key, in that order.
 */
const rowsOf = (ids: string) =>
  `array(select r.row from unnest(array(${ids})) with ordinality k(id, n)
     join desk_rows r on r.gen = $1 and r.employee_id = k.id order by k.n)`;

/**
 * The rows of stored table `gen` the query keeps, in its order, from `offset` (at most `limit`), with
 * how many it keeps in all; null when the table is gone (replaced by a newer build since its lookup).
 * One statement: it reads one build whole or, once that build's delete has committed, nothing.
 */
export async function tablePage(
  db: Queryable,
  gen: number,
  q: TableQuery,
  page: { limit: number; offset: number },
): Promise<{ total: number; rows: string[] } | null> {
  const { where, order } = clauses(q);
  const r = await db.query<{ total: number; rows: string[] }>(
    `select (select count(*)::int from desk_rows ${where}) as total,
            ${rowsOf(`select employee_id from desk_rows ${where} order by ${order} limit $3 offset $4`)} as rows`,
    [gen, needleOf(q.search) ?? null, page.limit, page.offset],
  );
  const { total, rows } = r.rows[0]!;
  if (Number(total) === 0 && !(await exists(db, gen))) return null;
  return { total: Number(total), rows };
}

/** Every row of stored table `gen` the query keeps, in its order; null when the table is gone. */
export async function tableRows(db: Queryable, gen: number, q: TableQuery): Promise<string[] | null> {
  const { where, order } = clauses(q);
  const r = await db.query<{ row: string }>(`select row from desk_rows ${where} order by ${order}`, [
    gen,
    needleOf(q.search) ?? null,
  ]);
  if (r.rows.length === 0 && !(await exists(db, gen))) return null;
  return r.rows.map((x) => x.row);
}

async function exists(db: Queryable, gen: number): Promise<boolean> {
  const r = await db.query('select 1 from desk_tables where gen = $1', [gen]);
  return r.rows.length > 0;
}

/** Rows serialised between which other work may run (≈ 5 ms of CPU each for the desk's rows). */
const SLICE = 1000;

/** The rows' JSON as one text of lines, a slice at a time so that requests are served in between. */
async function linesOf(rows: readonly TableRow[]): Promise<string> {
  const parts: string[] = [];
  for (let i = 0; i < rows.length; i += SLICE) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    parts.push(
      rows
        .slice(i, i + SLICE)
        .map(rowJson)
        .join('\n'),
    );
  }
  return parts.join('\n');
}

/**
 * Stores a built table under `key`, computed at data `version`, in one transaction, at most once:
 * nothing is written when `version` is no longer the current one (a write came after the build: the
 * table would never be served) or when the key already has a table of that version (another request
 * or process stored the same data's table: the same rows). Otherwise the key's table of an older
 * version and every table of another version go (their rows with them), and the rows are written.
 * Answers the new gen, or null when nothing was stored.
 */
export async function storeTable(db: Db, key: string, version: string, t: BuiltTable): Promise<number | null> {
  // the rows' JSON before the transaction (on PGlite, one connection, no statement waits for it)
  const rows = await linesOf(t.rows);
  return db.transaction(async (tx) => {
    // one store of a key at a time (two builds at two versions, or two processes, on PostgreSQL): the
    // later waits here and then reads the earlier one's committed table, instead of missing its new row
    // in its delete and finding the key taken by it (the newer table never stored)
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`desk:${key}`]);
    const now = await tx.query<{ current: string; version: string | null }>(
      'select current, version from desk_table($1)',
      [key],
    );
    const { current, version: stored } = now.rows[0]!;
    if (current !== version || stored === version) return null;
    await tx.query('delete from desk_rows where gen in (select gen from desk_tables where key = $1 or version <> $2)', [
      key,
      version,
    ]);
    await tx.query('delete from desk_tables where key = $1 or version <> $2', [key, version]);
    const ins = await tx.query<{ gen: number }>(
      `insert into desk_tables (key, version, head, size) values ($1, $2, $3, $4) on conflict (key) do nothing returning gen`,
      [key, version, JSON.stringify(t.head), t.rows.length],
    );
    const gen = ins.rows[0]?.gen;
    if (gen === undefined) return null;
    if (t.rows.length > 0) {
      const col = <T>(f: (r: TableRow) => T) => t.rows.map(f);
      await tx.query(
        `insert into desk_rows (gen, employee_id, id_lower, target, suggested, floor, actual, attainment, width, below_floor, cold_start, overridden, row)
         select $1, * from unnest($2::text[], $3::text[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::bool[], $11::bool[], $12::bool[], string_to_array($13, E'\\n'))`,
        [
          gen,
          col((r) => r.employee_id),
          col((r) => r.id_lower),
          ...KEYED_SORTS.map((k) => col((r) => r.keys[k])),
          ...TABLE_FLAGS.map((f) => col((r) => r.flags[f])),
          // one text of lines: a text[] of 10,000 JSON rows costs twice as much to pass
          rows,
        ],
      );
    }
    return Number(gen);
  });
}
