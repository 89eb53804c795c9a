/**
 * Which tables a statement writes, and per-table write generations (PGlite only: one process opens
 * the data directory, src/db/lock.ts, so this process makes every write; ./pglite.ts, ./pglite-thread.ts).
 *
 * `writesOf(sql)` classifies one statement conservatively: `null` (writes nothing), the tables it
 * names as written (`insert into t`, `update t`, `delete from t`, `truncate t`, a temporary table
 * made or dropped, an index made), or `ALL` — anything it cannot classify: several statements, DDL,
 * `DO`, `COPY`, `MERGE`, `select … into`, sequence and large-object functions, transaction control.
 * Scanning never hides a write: a keyword inside a literal or a comment can only add tables or make
 * it `ALL`. A `select` calling a function writes nothing: the functions the migrations define are
 * stable, immutable or trigger functions (test/db/pglite-generation.test.ts checks), and PostgreSQL
 * refuses writes in a non-volatile function.
 *
 * `WriteClock` turns the classes into generations. Writing a table also writes what its triggers
 * write (the read_change triggers write read_changes, the forecast_change ones forecast_changes), what
 * its foreign keys cascade into, what inherits from it or it inherits from; writing a view, or a table
 * with rules, is `ALL`. That map is read from the catalog (`refresh`) when the database opens and again
 * after any `ALL` statement (which may have changed the schema); until the new map is read every
 * write counts as `ALL`.
 */

/** Every table. */
export const ALL = 'all' as const;
export type Writes = ReadonlySet<string> | typeof ALL | null;

const IDENT = '(?:"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)';
/** A table name, maybe schema-qualified: group 1. */
const NAME = String.raw`(${IDENT}(?:\s*\.\s*${IDENT})?)`;
const WRITE_WORD =
  /\b(insert|update|delete|merge|truncate|into|nextval|setval|copy|lo_\w+|pg_notify|execute|perform|call)\b/g;

/** The table's own name, lower-cased, without schema or quotes (names of several schemas share a generation). */
const bare = (name: string): string => {
  const last = /(?:"((?:[^"]|"")+)"|([a-z_][a-z0-9_$]*))\s*$/.exec(name);
  return last?.[1]?.replace(/""/g, '"') ?? last?.[2] ?? name;
};

/**
 * The tables the DML in `text` (lower-cased) writes, or ALL when a write word is not one of the known
 * forms. `body`: a PL/pgSQL function body (several statements allowed).
 */
function scanDml(text: string): Set<string> | typeof ALL {
  const out = new Set<string>();
  WRITE_WORD.lastIndex = 0;
  for (let m = WRITE_WORD.exec(text); m !== null; m = WRITE_WORD.exec(text)) {
    const rest = text.slice(m.index + m[0].length);
    const before = text.slice(0, m.index);
    let t: RegExpExecArray | null = null;
    switch (m[1]) {
      case 'insert':
        t = new RegExp(String.raw`^\s+into\s+${NAME}`).exec(rest);
        break;
      case 'update':
        // `on conflict … do update` writes the insert's table; `for [no key] update` locks rows
        if (/\bdo\s+$/.test(before) || /\bfor\s+(?:no\s+key\s+)?$/.test(before)) continue;
        t = new RegExp(String.raw`^\s+(?:only\s+)?${NAME}\s`).exec(rest);
        break;
      case 'delete':
        t = new RegExp(String.raw`^\s+from\s+(?:only\s+)?${NAME}`).exec(rest);
        break;
      case 'truncate': {
        const list = new RegExp(String.raw`^\s+(?:table\s+)?(?:only\s+)?(${NAME}(?:\s*,\s*${NAME})*)\s*$`).exec(rest);
        if (!list || /\bcascade\b/.test(rest)) return ALL;
        for (const n of list[1]!.split(',')) out.add(bare(n));
        return out;
      }
      default:
        return ALL;
    }
    if (!t) return ALL;
    out.add(bare(t[1]!));
    // `insert into`: the `into` is consumed with it
    WRITE_WORD.lastIndex = m.index + m[0].length + t[0].length;
  }
  return out;
}

/**
 * `text` with its plain string literals emptied ('…' → ''), so words inside them are not read as SQL;
 * double-quoted identifiers are kept whole. Unchanged when a literal could be misread (a backslash, a
 * comment, dollar quoting) or a quote is left open.
 */
function withoutLiterals(text: string): string {
  if (/\\|--|\/\*|\$[a-z_]*\$/.test(text)) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c !== "'" && c !== '"') {
      out += c;
      i++;
      continue;
    }
    // the closing quote: the next one not doubled
    let j = i + 1;
    let closed = false;
    while (j < text.length && !closed) {
      if (text[j] === c && text[j + 1] === c) j += 2;
      else closed = text[j++] === c;
    }
    if (!closed) return text;
    out += c === "'" ? "''" : text.slice(i, j);
    i = j;
  }
  return out;
}

/** The tables one statement writes: null (none), a set, or ALL. */
export function writesOf(sql: string): Writes {
  const text = withoutLiterals(sql.trim().replace(/;\s*$/, '').toLowerCase());
  if (text.includes(';')) return ALL;
  const first = /^[a-z]+/.exec(text)?.[0];
  switch (first) {
    case 'select':
    case 'with':
    case 'insert':
    case 'update':
    case 'delete':
    case 'values':
    case 'table':
    case 'truncate': {
      const w = scanDml(text);
      return w !== ALL && w.size === 0 ? null : w;
    }
    // statistics and session settings change no row
    case 'analyze':
    case 'vacuum':
    case 'set':
    case 'reset':
    case 'show':
      return null;
    case 'create': {
      const temp = new RegExp(
        String.raw`^create\s+(?:temp|temporary)\s+table\s+(?:if\s+not\s+exists\s+)?${NAME}\s*(?:on\s+commit\s+(?:drop|delete\s+rows|preserve\s+rows)\s*)?`,
      ).exec(text);
      if (temp) {
        const rest = text.slice(temp[0].length);
        // `… as <query>`: the query may write nothing else; a column list: no constraint that ties it to another table
        if (!/^as\b/.test(rest) && /\b(references|inherits|partition|like)\b/.test(rest)) return ALL;
        const w = scanDml(rest);
        return w === ALL ? ALL : new Set([bare(temp[1]!), ...w]);
      }
      const index = new RegExp(
        String.raw`^create\s+(?:unique\s+)?index\s+(?:concurrently\s+)?(?:(?:if\s+not\s+exists\s+)?${IDENT}\s+)?on\s+(?:only\s+)?${NAME}\s*(?:using\s+\w+\s*)?\([^;]*\)$`,
      ).exec(text);
      return index ? new Set([bare(index[1]!)]) : ALL;
    }
    case 'drop': {
      const t = new RegExp(String.raw`^drop\s+table\s+(?:if\s+exists\s+)?${NAME}\s*(?:restrict\s*)?$`).exec(text);
      return t ? new Set([bare(t[1]!)]) : ALL;
    }
    default:
      return ALL;
  }
}

/** Runs a query on the database outside any transaction (the clock reads the catalog with it). */
export type Catalog = (sql: string) => Promise<{ rows: unknown[] }>;

/** A transaction's writes so far, and its statements still running (a caller may not have awaited one). */
export interface TransactionWrites {
  writes: Writes;
  running: Set<Promise<unknown>>;
}

/** What a transaction wrote, once every statement it started has settled. */
export async function settledWrites(t: TransactionWrites): Promise<Writes> {
  while (t.running.size > 0) await Promise.allSettled([...t.running]);
  return t.writes;
}

/** The writes of two statements together (a transaction's). */
export function union(a: Writes, b: Writes): Writes {
  if (a === ALL || b === ALL) return ALL;
  if (a === null) return b;
  if (b === null) return a;
  return new Set([...a, ...b]);
}

/** A catalog row: writing `tbl` also writes `target` (a trigger's function body, a cascade, an inheritance), or ALL. */
interface Effect {
  tbl: string;
  how: 'trigger' | 'fk' | 'inherit' | 'all';
  target: string | null;
  lang: string | null;
  body: string | null;
}

/** What writing each table writes besides itself, from the catalog. */
const EFFECTS = `
select c.relname::text as tbl, 'trigger' as how, null as target, l.lanname::text as lang, p.prosrc as body
  from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_proc p on p.oid = t.tgfoid join pg_language l on l.oid = p.prolang
 where not t.tgisinternal and t.tgenabled <> 'D'
union all
select pc.relname::text, 'fk', cc.relname::text, null, null
  from pg_constraint k join pg_class pc on pc.oid = k.confrelid join pg_class cc on cc.oid = k.conrelid
 where k.contype = 'f' and (k.confdeltype not in ('a', 'r') or k.confupdtype not in ('a', 'r'))
union all
select a.relname::text, 'inherit', b.relname::text, null, null
  from pg_inherits i join pg_class a on a.oid = i.inhparent join pg_class b on b.oid = i.inhrelid
union all
select b.relname::text, 'inherit', a.relname::text, null, null
  from pg_inherits i join pg_class a on a.oid = i.inhparent join pg_class b on b.oid = i.inhrelid
union all
select c.relname::text, 'all', null, null, null
  from pg_rewrite r join pg_class c on c.oid = r.ev_class
 where r.rulename <> '_RETURN' or c.relkind <> 'r'
union all
select c.relname::text, 'all', null, null, null
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
 where c.relkind in ('v', 'm', 'f') and n.nspname not in ('pg_catalog', 'information_schema')`;

/**
 * What a trigger's function writes: a PL/pgSQL body whose writes are all plain DML; anything else
 * (SQL or C functions, EXECUTE, PERFORM) is ALL.
 */
const triggerWrites = (r: Effect): Set<string> | typeof ALL =>
  r.lang === 'plpgsql' && r.body !== null ? scanDml(r.body.toLowerCase()) : ALL;

/** Maps each table to what its triggers write (directly), or ALL. */
function firesMap(rows: readonly Effect[]): Map<string, ReadonlySet<string> | typeof ALL> {
  const out = new Map<string, ReadonlySet<string> | typeof ALL>();
  for (const r of rows) {
    if (r.how !== 'trigger' && r.how !== 'all') continue;
    const t = r.tbl.toLowerCase();
    const w = r.how === 'trigger' ? triggerWrites(r) : ALL;
    out.set(t, union(out.get(t) ?? null, w) ?? new Set());
  }
  return out;
}

/** Maps each table to the tables writing it writes (itself included), or ALL. */
function effectsMap(rows: readonly Effect[]): Map<string, ReadonlySet<string> | typeof ALL> {
  const direct = new Map<string, Set<string> | typeof ALL>();
  const add = (tbl: string, w: Set<string> | typeof ALL) => {
    const t = tbl.toLowerCase();
    const had = direct.get(t) ?? new Set<string>();
    if (had === ALL || w === ALL) direct.set(t, ALL);
    else direct.set(t, new Set([...had, ...w]));
  };
  for (const r of rows) {
    if (r.how === 'all') add(r.tbl, ALL);
    else if (r.how === 'trigger') add(r.tbl, triggerWrites(r));
    else add(r.tbl, new Set([r.target!.toLowerCase()]));
  }
  // the closure: a trigger's table may have triggers of its own
  const closed = new Map<string, ReadonlySet<string> | typeof ALL>();
  for (const start of direct.keys()) {
    const seen = new Set<string>([start]);
    const todo = [start];
    let all = false;
    while (todo.length > 0 && !all) {
      const next = direct.get(todo.pop()!);
      if (next === ALL) all = true;
      else if (next)
        for (const t of next)
          if (!seen.has(t)) {
            seen.add(t);
            todo.push(t);
          }
    }
    closed.set(start, all ? ALL : seen);
  }
  return closed;
}

/**
 * Per-table write generations of one database. `moved(writes)` runs once a write completed (a
 * transaction: after its commit or rollback), before its caller goes on; `generation(tables)` is the
 * latest move of any of `tables` (or of any table, without them). Both are synchronous.
 */
export class WriteClock {
  /** moves so far: the generation of "any table" */
  private now = 0;
  /** the last move that touched every table */
  private everything = 0;
  private readonly stamps = new Map<string, number>();
  /** null while the schema may have changed since it was read: every write then counts as ALL */
  private effects: Map<string, ReadonlySet<string> | typeof ALL> | null = null;
  /** what each table's triggers write (with `effects`) */
  private fires: Map<string, ReadonlySet<string> | typeof ALL> = new Map();
  /** moves at each ALL statement's issue: a map read before it is not installed */
  private schemaEpoch = 0;

  /** Classifies a statement about to run; an ALL statement drops the map (the schema may change). */
  issue(sql: string): Writes {
    const w = writesOf(sql);
    if (w === ALL) this.schemaChanging();
    return w;
  }

  /** A statement that may change the schema is about to run: every write counts as ALL until `refresh`. */
  schemaChanging(): void {
    this.effects = null;
    this.schemaEpoch++;
  }

  /** Whether the map has to be read again (`refresh`). */
  get stale(): boolean {
    return this.effects === null;
  }

  /** Reads the map from the catalog with `query` (on the database, outside any transaction). */
  async refresh(query: Catalog): Promise<void> {
    const epoch = this.schemaEpoch;
    const r = await query(EFFECTS);
    if (epoch !== this.schemaEpoch) return;
    this.effects = effectsMap(r.rows as Effect[]);
    this.fires = firesMap(r.rows as Effect[]);
  }

  /**
   * What a statement classified `w` wrote, once it completed with `rowCount` rows: a plain INSERT,
   * UPDATE or DELETE of one table (no data-modifying WITH) that changed no row left the table, its
   * cascades and its row triggers alone — only its triggers may have written (statement triggers fire
   * on no row). Anything else: `w`.
   */
  settled(sql: string, w: Writes, rowCount: number | undefined): Writes {
    if (rowCount !== 0 || w === null || w === ALL || w.size !== 1 || this.effects === null) return w;
    if (!/^\s*(insert|update|delete)\b/i.test(sql)) return w;
    const [t] = w;
    return this.fires.get(t!) ?? null;
  }

  /** The writes of a completed statement or transaction move their tables' generations. */
  moved(w: Writes): void {
    if (w === null) return;
    const at = ++this.now;
    const effects = this.effects;
    if (w === ALL || effects === null) {
      this.everything = at;
      return;
    }
    for (const t of w) {
      const e = effects.get(t);
      if (e === ALL) {
        this.everything = at;
        return;
      }
      for (const x of e ?? [t]) this.stamps.set(x, at);
    }
  }

  /**
   * Runs one statement (`go`) under the clock. Outside a transaction (`into` absent) its writes move
   * their tables' generations once it completed (a failed one too), before its caller goes on, and
   * after one that may have changed the schema the map is read again first (with `catalog`); inside one
   * (`into`) they are added up for the transaction's end (`ended`).
   */
  async statement<R extends { rowCount?: number } | null | undefined>(
    sql: string,
    go: () => Promise<R>,
    catalog: Catalog,
    into?: TransactionWrites,
  ): Promise<R> {
    let w = this.issue(sql);
    const running = (async () => {
      try {
        const r = await go();
        w = this.settled(sql, w, r?.rowCount);
        return r;
      } finally {
        if (into) into.writes = union(into.writes, w);
      }
    })();
    if (into) {
      into.running.add(running);
      return running.finally(() => into.running.delete(running));
    }
    try {
      return await running;
    } finally {
      await this.completed(w, catalog);
    }
  }

  /** A transaction ended (committed or rolled back): its writes move their generations, as a statement's do. */
  async ended(into: TransactionWrites, catalog: Catalog): Promise<void> {
    await this.completed(await settledWrites(into), catalog);
  }

  /** Completed writes move their tables' generations; a stale map is read again. */
  private async completed(w: Writes, catalog: Catalog): Promise<void> {
    this.moved(w);
    if (this.stale) await this.refresh(catalog).catch(() => {});
  }

  /** The latest move of any of `tables` (lower-case bare names), or of any table without them. */
  generation(tables?: readonly string[]): number {
    if (!tables) return this.now;
    let g = this.everything;
    for (const t of tables) g = Math.max(g, this.stamps.get(t) ?? 0);
    return g;
  }
}
