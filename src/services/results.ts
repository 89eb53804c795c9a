/**
 * Stored answers of the reads scoring systems poll (targets, ratings pages, KPI inputs): the JSON
 * text of an answer, keyed by the request (route, parameters, page), stored in the database with
 * the data version it was computed at. A read serves the stored text while the version is current,
 * so a repeated read does no model work and no serialisation; any committed write to the data an
 * answer depends on (an upload, an override, a promotion, the calendar, the people, the ratings, the
 * weight profiles) changes the version, in the database, so every process sharing it sees the change
 * at once.
 *
 * On the embedded PGlite (one process: src/db/lock.ts) the process also keeps a copy of the answers
 * it served, as UTF-8 bytes, labelled with the write generation of the tables the answer reads
 * (`Db.writeGeneration(tables)`, src/db/write-clock.ts: moved by every statement and transaction of
 * this process, the only writer, that wrote one of them — directly, through a trigger or a cascade, or
 * as a statement it cannot classify — after it completed and before its caller goes on). A copy is
 * served only while that generation is the one it was read at, so it never answers older than the
 * last acknowledged write to what it reads; a write to other tables (a job's progress, a model
 * registered, reviews being rescored) keeps it. On PostgreSQL (several processes write) there is no
 * generation and no copy: every read asks the database.
 */
import { LRUCache } from 'lru-cache';
import type { Db, Queryable } from '../db/types.js';
import { compactChanges, lookup, store } from './results-store.js';

/** An answer as JSON text, ready to send. */
export interface JsonText {
  readonly json: string;
  /** Served from the store (true) or computed now. */
  readonly stored: boolean;
  /** The same answer as UTF-8 bytes, when this process keeps a copy (PGlite); not enumerable. */
  readonly body?: Buffer;
  /** Served from this process's copy (PGlite); not enumerable. */
  readonly copied?: boolean;
}

export type StoredReads = <T>(
  key: readonly (string | number | boolean | null | undefined)[],
  compute: () => Promise<T>,
  serialize?: (answer: T) => string,
  /**
   * The tables `compute` reads (lower-case names; each must carry the read_change trigger, so the
   * stored answer's data version covers it): on PGlite a write to any other table keeps this
   * answer's copy. Default DATA_VERSION_TABLES: any table the data version watches.
   */
  reads?: readonly string[],
) => Promise<JsonText>;

/** Bytes of answers a process keeps copies of, at most (least recently used go first). */
export const COPIES_MAX_BYTES = 32 * 1024 * 1024;

/** A copy: the answer's bytes, the tables it reads and their generation when it was read. */
interface Copy {
  readonly body: Buffer;
  readonly reads: readonly string[];
  readonly generation: number;
}

/** The copies of one database's answers in this process, each labelled with the generation of the tables it reads. */
class Copies {
  private readonly lru: LRUCache<string, Copy>;
  constructor(
    maxBytes: number,
    private readonly generation: (tables: readonly string[]) => number,
  ) {
    this.lru = new LRUCache<string, Copy>({ maxSize: maxBytes, sizeCalculation: (c) => Math.max(1, c.body.length) });
  }
  /** The copy of `key` while no table it reads was written since it was read. */
  get(key: string): Buffer | undefined {
    const c = this.lru.get(key);
    if (!c) return undefined;
    if (this.generation(c.reads) === c.generation) return c.body;
    this.lru.delete(key);
    return undefined;
  }
  /** Keeps `body`, read at `read` (the generation of `reads` before the database was asked), when none of `reads` was written since. */
  set(key: string, reads: readonly string[], read: number, body: Buffer): void {
    if (this.generation(reads) === read) this.lru.set(key, { body, reads, generation: read });
  }
}

/** One set of copies per database in this process (the stored readers of every service share it). */
const copiesOf = new WeakMap<(tables?: readonly string[]) => number, Copies>();

/**
 * What an answer reads unless its reader says (`StoredReads`' `reads`): every table the data version
 * watches. Each of them has a read_change trigger (migrations 008, 012, 014), so writing one writes
 * read_changes, and its generation moves whenever the data version may: a copy is then served exactly
 * while the stored answer in the database would be, without asking it.
 */
export const DATA_VERSION_TABLES: readonly string[] = ['read_changes'];

function answer(json: string | null, body: Buffer | null, stored: boolean, copied: boolean): JsonText {
  const out = {} as { json: string; stored: boolean };
  let text = json;
  // the text of a copy is decoded only when asked for (the routes send the bytes)
  Object.defineProperty(out, 'json', {
    enumerable: true,
    get: () => {
      text ??= body!.toString('utf8');
      return text;
    },
  });
  out.stored = stored;
  if (body) Object.defineProperty(out, 'body', { value: body, enumerable: false });
  Object.defineProperty(out, 'copied', { value: copied, enumerable: false });
  return out;
}

/**
 * The stored-answer reader: one query asks the database for the current data version and the
 * stored answer of the key together; the stored text is served only when it was computed at that
 * version, so no answer older than the last committed write is served, whichever process wrote.
 * On PGlite a copy of the answer read at the current write generation is served without a query.
 */
export function createStoredReads(
  db: Queryable & Partial<Pick<Db, 'kind' | 'writeGeneration' | 'unversioned'>>,
  { maxBytes = COPIES_MAX_BYTES }: { maxBytes?: number } = {},
): StoredReads {
  const generation = db.kind === 'pglite' ? db.writeGeneration : undefined;
  let copies: Copies | null = null;
  if (generation) {
    copies = copiesOf.get(generation) ?? new Copies(maxBytes, (tables) => generation(tables));
    copiesOf.set(generation, copies);
  }
  // writing the stored answers changes no answer: on PGlite those statements leave the generation alone
  const bookkeeping = db.unversioned ?? db;
  /** Answers of this reader being stored (PGlite): a read of the same key that misses its copy waits for it. */
  const storing = new Map<string, Promise<void>>();
  return async (parts, compute, serialize = JSON.stringify, reads = DATA_VERSION_TABLES) => {
    const key = JSON.stringify(parts);
    if (copies) {
      const body = copies.get(key);
      if (body) return answer(null, body, true, true);
    }
    // read before the database is: a copy is at least as new as the generation it is labelled with
    const read = generation?.(reads) ?? 0;
    // the version is read before the answer is computed: the answer is at least as new as it
    await storing.get(key);
    const hit = await lookup(db, key);
    let json: string;
    let stored = false;
    if (hit.payload !== null && hit.version === hit.current) {
      json = hit.payload;
      stored = true;
    } else {
      json = serialize(await compute());
      const keep = async () => {
        if (!(await compactChanges(bookkeeping))) await store(bookkeeping, key, hit.current, json);
      };
      // on PGlite the answer goes without waiting for its bookkeeping (three statements, each of which may
      // queue behind a job's): this process's copy serves the next read, and an answer stored late is
      // still labelled with the version it was computed at, so it is never served after a change
      if (copies) {
        const kept = keep().catch(() => {});
        storing.set(key, kept);
        void kept.finally(() => storing.get(key) === kept && storing.delete(key));
      } else await keep();
    }
    if (!copies) return answer(json, null, stored, false);
    const body = Buffer.from(json, 'utf8');
    copies.set(key, reads, read, body);
    return answer(json, body, stored, false);
  };
}
