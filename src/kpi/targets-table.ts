/**
 * One metric's targets of a role as the table the console's desk reads (src/services/target-desk.ts):
 * the answer's description (the head), and one row a person with the desk's sort keys and flags
 * beside the person's JSON, serialised once. The rows are stored in the database one a person
 * (src/kpi/desk-store.ts, migration 022), where a desk request sorts, searches and pages in SQL and
 * reads only its page; `TargetTable` does the same in memory for a table just built (the request that
 * built it, or one that could not store it). Both orders are the same (test/kpi/targets-table.test.ts):
 * by employee id (code-unit order), or by a value with the missing ones last in either direction and
 * ties by employee id ascending.
 */
import type { PersonTarget, TargetsAnswer } from './target-lines.js';

export const TABLE_SORTS = ['employee', 'target', 'suggested', 'floor', 'actual', 'attainment', 'width'] as const;
export type TableSort = (typeof TABLE_SORTS)[number];
export const TABLE_FLAGS = ['below_floor', 'cold_start', 'overridden'] as const;
export type TableFlag = (typeof TABLE_FLAGS)[number];

export type KeyedSort = Exclude<TableSort, 'employee'>;
export const KEYED_SORTS: readonly KeyedSort[] = ['target', 'suggested', 'floor', 'actual', 'attainment', 'width'];

/** The snapshot mark of a closed period (src/periods/reads.ts ClosedMark). */
export interface TableClosed {
  role: string;
  version: number;
  closed_by: string | null;
  closed_at: string;
}

/** What a desk shows above the rows: the answer without its people, or why there is none. */
export type TableHead =
  | { answer: Omit<TargetsAnswer, 'people'>; closed: TableClosed | null; problem: null }
  | { answer: null; closed: TableClosed | null; problem: { code: string; reason: string } };

/** One person's row: the keys the desk sorts and filters on, and the person's JSON. */
export interface TableRow {
  employee_id: string;
  /** the id lower-cased (JavaScript's toLowerCase), what a search matches */
  id_lower: string;
  keys: Record<KeyedSort, number | null>;
  flags: Record<TableFlag, boolean>;
  json: string;
}

/** A table as built from an answer: its head and its rows in employee-id order. */
export interface BuiltTable {
  head: TableHead;
  rows: TableRow[];
}

export interface TableQuery {
  /** part of an employee id, any case */
  search?: string | undefined;
  flag?: TableFlag | undefined;
  sort: TableSort;
  dir: 'asc' | 'desc';
}

function keyOf(p: PersonTarget, sort: KeyedSort): number | null {
  switch (sort) {
    case 'target':
      return p.target;
    case 'suggested':
      return p.suggested_target;
    case 'floor':
      return p.floor;
    case 'actual':
      return p.actual;
    case 'attainment':
      return p.attainment;
    case 'width':
      return p.interval80[1] - p.interval80[0];
  }
}

/** Code-unit order of ids (what `collate "C"` orders by in the database). */
export const byIdText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The needle of a search (trimmed, lower-cased), or undefined for none. */
export const needleOf = (search: string | undefined): string | undefined => search?.trim().toLowerCase() || undefined;

/** The table of one metric's answer (people in any order) and, for a closed period, its mark. */
export function buildTable(answer: TargetsAnswer, closed: TableClosed | null): BuiltTable {
  const { people, ...rest } = answer;
  const rows = [...people]
    .sort((a, b) => byIdText(a.employee_id, b.employee_id))
    .map(
      (p): TableRow => ({
        employee_id: p.employee_id,
        id_lower: p.employee_id.toLowerCase(),
        keys: Object.fromEntries(KEYED_SORTS.map((k) => [k, keyOf(p, k)])) as TableRow['keys'],
        flags: { below_floor: p.below_floor === true, cold_start: p.cold_start, overridden: p.override !== null },
        json: JSON.stringify(p),
      }),
    );
  // the head as it reads back from its JSON (dates as ISO text), whichever way it is served
  return { head: JSON.parse(JSON.stringify({ answer: rest, closed, problem: null })) as TableHead, rows };
}

/** The table when no answer could be given (no model for the period, a frozen problem, …). */
export function problemTable(problem: { code: string; reason: string }, closed: TableClosed | null): BuiltTable {
  return { head: { answer: null, closed, problem }, rows: [] };
}

/** A built table queried in memory, as the database queries a stored one. */
export class TargetTable {
  private constructor(private readonly t: BuiltTable) {}

  static of(t: BuiltTable): TargetTable {
    return new TargetTable(t);
  }

  get head(): TableHead {
    return this.t.head;
  }

  get size(): number {
    return this.t.rows.length;
  }

  /**
   * Positions of the people the query keeps, in its order: by employee id, or by a value with the
   * missing ones last in either direction and ties by employee id.
   */
  select(q: TableQuery): number[] {
    const { rows } = this.t;
    const needle = needleOf(q.search);
    const kept: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (q.flag && !r.flags[q.flag]) continue;
      if (needle && !r.id_lower.includes(needle)) continue;
      kept.push(i);
    }
    const sign = q.dir === 'desc' ? -1 : 1;
    // rows are in employee-id order: the position is the id's rank
    if (q.sort === 'employee') return sign === 1 ? kept : kept.reverse();
    const sort = q.sort;
    return kept.sort((a, b) => {
      const x = rows[a]!.keys[sort];
      const y = rows[b]!.keys[sort];
      if (x === null || y === null) return x === y ? a - b : x === null ? 1 : -1;
      return sign * (x - y) || a - b;
    });
  }

  /** The person at position `i`. */
  row(i: number): PersonTarget {
    return JSON.parse(this.t.rows[i]!.json) as PersonTarget;
  }

  id(i: number): string {
    return this.t.rows[i]!.employee_id;
  }
}
