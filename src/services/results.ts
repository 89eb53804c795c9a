/**
 * Stored answers of the reads scoring systems poll (targets, ratings pages, KPI inputs): the JSON
 * text of an answer, keyed by the request (route, parameters, page), stored in the database with
 * the data version it was computed at (src/db/migrations/008_read_results.sql). A read serves the
 * stored text while the version is current, so a repeated read does no model work and no
 * serialisation; any committed write to the data an answer depends on (an upload, an override, a
 * promotion, the calendar, the people, the ratings, the weight profiles) changes the version, in
 * the database, so every process sharing it sees the change at once. Nothing is kept per process.
 */
import { LRUCache } from 'lru-cache';
import type { Queryable } from '../db/types.js';
import { compactChanges, dataVersion, lookup, store } from './results-store.js';

/** Bytes of stored answers a process keeps a copy of (see createStoredReads). */
export const COPIES_MAX_BYTES = 64 * 1024 * 1024;

/** An answer as JSON text, ready to send. */
export interface JsonText {
  readonly json: string;
  /** Served from the store (true) or computed now. */
  readonly stored: boolean;
}

export type StoredReads = <T>(
  key: readonly (string | number | boolean | null | undefined)[],
  compute: () => Promise<T>,
  serialize?: (answer: T) => string,
) => Promise<JsonText>;

/**
 * The stored-answer reader. Every read asks the database for the current data version first; a
 * process keeps a copy of the stored rows it has read (bounded, by bytes) only to skip fetching
 * the same text again, and serves a copy only when its version is the one the database has just
 * answered — so no answer older than the last committed write is ever served, whichever process
 * wrote.
 */
export function createStoredReads(db: Queryable): StoredReads {
  const copies = new LRUCache<string, { version: string; json: string }>({
    maxSize: COPIES_MAX_BYTES,
    sizeCalculation: (v) => Math.max(1, v.json.length),
  });
  return async (parts, compute, serialize = JSON.stringify) => {
    const key = JSON.stringify(parts);
    const copy = copies.get(key);
    if (copy && copy.version === (await dataVersion(db))) return { json: copy.json, stored: true };
    // the version is read before the answer is computed: the answer is at least as new as it
    const hit = await lookup(db, key);
    if (hit.payload !== null && hit.version === hit.current) {
      copies.set(key, { version: hit.current, json: hit.payload });
      return { json: hit.payload, stored: true };
    }
    const json = serialize(await compute());
    if (await compactChanges(db)) return { json, stored: false };
    await store(db, key, hit.current, json);
    copies.set(key, { version: hit.current, json });
    return { json, stored: false };
  };
}
