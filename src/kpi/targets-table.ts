/**
 * One metric's targets of a role as a stored table the console's desk reads (src/services/target-desk.ts):
 * the answer's description, everyone's sort keys and flags in columns, and each person's JSON row
 * serialised once. A desk request parses the small columns, filters and sorts on them, and parses
 * only the rows of its page (or of an export); it never re-assembles nor re-parses the whole role.
 *
 * Text format (stored as the answer's JSON text by src/services/results.ts): line 1 is the JSON of
 * the head (answer, closed mark, columns, row offsets); each following line is one person's JSON,
 * in employee-id order. JSON never holds a raw newline, so the lines are the rows.
 */
import type { PersonTarget, TargetsAnswer } from './target-lines.js';

export const TABLE_SORTS = ['employee', 'target', 'suggested', 'floor', 'actual', 'attainment', 'width'] as const;
export type TableSort = (typeof TABLE_SORTS)[number];
export const TABLE_FLAGS = ['below_floor', 'cold_start', 'overridden'] as const;
export type TableFlag = (typeof TABLE_FLAGS)[number];

type KeyedSort = Exclude<TableSort, 'employee'>;
const KEYED: readonly KeyedSort[] = ['target', 'suggested', 'floor', 'actual', 'attainment', 'width'];
const FLAG_BIT: Readonly<Record<TableFlag, number>> = { below_floor: 1, cold_start: 2, overridden: 4 };
const FORMAT = 1;

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

interface Encoded {
  v: number;
  head: TableHead;
  ids: string[];
  keys: Record<KeyedSort, (number | null)[]>;
  flags: number[];
  /** offset of row i's line in the rows part; at[n] = the rows part's length + 1 */
  at: number[];
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

const byIdText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The table's text of one metric's answer (people in any order) and, for a closed period, its mark. */
export function encodeTable(answer: TargetsAnswer, closed: TableClosed | null): string {
  const people = [...answer.people].sort((a, b) => byIdText(a.employee_id, b.employee_id));
  const { people: _people, ...rest } = answer;
  const lines = people.map((p) => JSON.stringify(p));
  const at = new Array<number>(lines.length + 1);
  let o = 0;
  for (let i = 0; i < lines.length; i++) {
    at[i] = o;
    o += lines[i]!.length + 1;
  }
  at[lines.length] = o;
  const keys = Object.fromEntries(KEYED.map((k) => [k, people.map((p) => keyOf(p, k))])) as Encoded['keys'];
  const head: Encoded = {
    v: FORMAT,
    head: { answer: rest, closed, problem: null },
    ids: people.map((p) => p.employee_id),
    keys,
    flags: people.map(
      (p) =>
        (p.below_floor === true ? FLAG_BIT.below_floor : 0) |
        (p.cold_start ? FLAG_BIT.cold_start : 0) |
        (p.override !== null ? FLAG_BIT.overridden : 0),
    ),
    at,
  };
  return lines.length > 0 ? `${JSON.stringify(head)}\n${lines.join('\n')}` : JSON.stringify(head);
}

/** The table's text when no answer could be given (no model for the period, a frozen problem, …). */
export function encodeProblem(problem: { code: string; reason: string }, closed: TableClosed | null): string {
  const head: Encoded = {
    v: FORMAT,
    head: { answer: null, closed, problem },
    ids: [],
    keys: Object.fromEntries(KEYED.map((k) => [k, []])) as unknown as Encoded['keys'],
    flags: [],
    at: [0],
  };
  return JSON.stringify(head);
}

export interface TableQuery {
  /** part of an employee id, any case */
  search?: string | undefined;
  flag?: TableFlag | undefined;
  sort: TableSort;
  dir: 'asc' | 'desc';
}

/** A stored table, parsed as far as filtering and sorting need; rows are parsed when asked for. */
export class TargetTable {
  private readonly e: Encoded;
  private readonly text: string;
  private readonly base: number;
  private lower: string[] | undefined;

  private constructor(text: string) {
    const nl = text.indexOf('\n');
    this.text = text;
    this.e = JSON.parse(nl < 0 ? text : text.slice(0, nl)) as Encoded;
    if (this.e.v !== FORMAT) throw new Error(`targets table of format ${this.e.v}, expected ${FORMAT}`);
    this.base = nl + 1;
  }

  static parse(text: string): TargetTable {
    return new TargetTable(text);
  }

  get head(): TableHead {
    return this.e.head;
  }

  get size(): number {
    return this.e.ids.length;
  }

  /**
   * Positions of the people the query keeps, in its order: by employee id, or by a value with the
   * missing ones last in either direction and ties by employee id.
   */
  select(q: TableQuery): number[] {
    const { ids, flags } = this.e;
    const needle = q.search?.trim().toLowerCase();
    if (needle) this.lower ??= ids.map((id) => id.toLowerCase());
    const bit = q.flag ? FLAG_BIT[q.flag] : 0;
    const kept: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      if (bit && (flags[i]! & bit) === 0) continue;
      if (needle && !this.lower![i]!.includes(needle)) continue;
      kept.push(i);
    }
    const sign = q.dir === 'desc' ? -1 : 1;
    // rows are stored in employee-id order: the position is the id's rank
    if (q.sort === 'employee') return sign === 1 ? kept : kept.reverse();
    const key = this.e.keys[q.sort];
    return kept.sort((a, b) => {
      const x = key[a] ?? null;
      const y = key[b] ?? null;
      if (x === null || y === null) return x === y ? a - b : x === null ? 1 : -1;
      return sign * (x - y) || a - b;
    });
  }

  /** The person at position `i`. */
  row(i: number): PersonTarget {
    const { at } = this.e;
    return JSON.parse(this.text.slice(this.base + at[i]!, this.base + at[i + 1]! - 1)) as PersonTarget;
  }

  id(i: number): string {
    return this.e.ids[i]!;
  }
}
