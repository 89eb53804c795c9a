/**
 * One metric's targets of a role as the table the console's desk reads (src/services/target-desk.ts):
 * the answer's description (the head), and one row a person with the desk's sort keys and flags
 * beside the person. The rows are stored in the database one a person, as the person's JSON
 * (src/kpi/desk-store.ts, migration 022), where a desk request sorts, searches and pages in SQL and
 * reads only its page; `TargetTable` does the same in memory for a table just built (the requests
 * served while it is being stored), serialising only the rows it answers with. Both orders are the
 * same (test/kpi/targets-table.test.ts):
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

/** One person's row: the keys the desk sorts and filters on, and the person (stored as its JSON). */
export interface TableRow {
  employee_id: string;
  /** the id lower-cased (JavaScript's toLowerCase), what a search matches */
  id_lower: string;
  keys: Record<KeyedSort, number | null>;
  flags: Record<TableFlag, boolean>;
  person: PersonTarget;
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

/** The sort keys of a person (one object literal: 10,000 of them are made per build). */
const keysOf = (p: PersonTarget): TableRow['keys'] => ({
  target: p.target,
  suggested: p.suggested_target,
  floor: p.floor,
  actual: p.actual,
  attainment: p.attainment,
  width: p.interval80[1] - p.interval80[0],
});

/** Code-unit order of ids (what `collate "C"` orders by in the database). */
export const byIdText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The needle of a search (trimmed, lower-cased), or undefined for none. */
export const needleOf = (search: string | undefined): string | undefined => search?.trim().toLowerCase() || undefined;

/** `people` by employee id: as given when already in that order (an answer's people are), else sorted. */
function byId(people: readonly PersonTarget[]): readonly PersonTarget[] {
  for (let i = 1; i < people.length; i++)
    if (byIdText(people[i - 1]!.employee_id, people[i]!.employee_id) > 0)
      return [...people].sort((a, b) => byIdText(a.employee_id, b.employee_id));
  return people;
}

/**
 * The table of one metric's answer (people in any order) and, for a closed period, its mark. The
 * people are kept as they are, not serialised: a row's JSON is made when it is stored or answered.
 */
export function buildTable(answer: TargetsAnswer, closed: TableClosed | null): BuiltTable {
  const { people, ...rest } = answer;
  const rows = byId(people).map(
    (p): TableRow => ({
      employee_id: p.employee_id,
      id_lower: p.employee_id.toLowerCase(),
      keys: keysOf(p),
      flags: { below_floor: p.below_floor === true, cold_start: p.cold_start, overridden: p.override !== null },
      person: p,
    }),
  );
  // the head as it reads back from its JSON (dates as ISO text), whichever way it is served
  return { head: JSON.parse(JSON.stringify({ answer: rest, closed, problem: null })) as TableHead, rows };
}

/** A row's person as stored: its JSON text (JSON holds no raw newline, so the texts join by lines). */
export const rowJson = (r: TableRow): string => JSON.stringify(r.person);

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

  /** The person at position `i`, as it reads back from its stored JSON (dates as ISO text). */
  row(i: number): PersonTarget {
    return JSON.parse(rowJson(this.t.rows[i]!)) as PersonTarget;
  }

  id(i: number): string {
    return this.t.rows[i]!.employee_id;
  }
}
