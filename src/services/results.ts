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
 * it served, as UTF-8 bytes, labelled with the database's write generation (`Db.writeGeneration`,
 * moved by every write statement and transaction of this process, the only writer, after it completed
 * and before its caller goes on). A copy is served only while the generation is the one it was read
 * at, so it never answers older than the last acknowledged write; any write drops every copy. On
 * PostgreSQL (several processes write) there is no generation and no copy: every read asks the database.
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
) => Promise<JsonText>;

/** Bytes of answers a process keeps copies of, at most (least recently used go first). */
export const COPIES_MAX_BYTES = 32 * 1024 * 1024;

/** The copies of one database's answers in this process, all of one write generation. */
class Copies {
  private generation = -1;
  private readonly lru: LRUCache<string, Buffer>;
  constructor(maxBytes: number) {
    this.lru = new LRUCache<string, Buffer>({ maxSize: maxBytes, sizeCalculation: (b) => Math.max(1, b.length) });
  }
  get(key: string, generation: number): Buffer | undefined {
    if (generation !== this.generation) {
      this.lru.clear();
      this.generation = generation;
      return undefined;
    }
    return this.lru.get(key);
  }
  /** Keeps `body`, read at `read`, when no write happened since (`now`). */
  set(key: string, read: number, now: number, body: Buffer): void {
    if (read !== now) return;
    if (now !== this.generation) {
      this.lru.clear();
      this.generation = now;
    }
    this.lru.set(key, body);
  }
}

/** One set of copies per database in this process (the stored readers of every service share it). */
const copiesOf = new WeakMap<() => number, Copies>();

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
    copies = copiesOf.get(generation) ?? new Copies(maxBytes);
    copiesOf.set(generation, copies);
  }
  // writing the stored answers changes no answer: on PGlite those statements leave the generation alone
  const bookkeeping = db.unversioned ?? db;
  return async (parts, compute, serialize = JSON.stringify) => {
    const key = JSON.stringify(parts);
    // read before the database is: a copy is at least as new as the generation it is labelled with
    const read = generation?.() ?? 0;
    if (copies) {
      const body = copies.get(key, read);
      if (body) return answer(null, body, true, true);
    }
    // the version is read before the answer is computed: the answer is at least as new as it
    const hit = await lookup(db, key);
    let json: string;
    let stored = false;
    if (hit.payload !== null && hit.version === hit.current) {
      json = hit.payload;
      stored = true;
    } else {
      json = serialize(await compute());
      if (!(await compactChanges(bookkeeping))) await store(bookkeeping, key, hit.current, json);
    }
    if (!copies || !generation) return answer(json, null, stored, false);
    const body = Buffer.from(json, 'utf8');
    copies.set(key, read, generation(), body);
    return answer(json, body, stored, false);
  };
}
