/**
 * Stored answers of the reads scoring systems poll (targets, ratings pages, KPI inputs): the JSON
 * text of an answer, keyed by the request (route, parameters, page), stored in the database with
 * the data version it was computed at (src/db/migrations/008_read_results.sql). A read serves the
 * stored text while the version is current, so a repeated read does no model work and no
 * serialisation; any committed write to the data an answer depends on (an upload, an override, a
 * promotion, the calendar, the people, the ratings, the weight profiles) changes the version, in
 * the database, so every process sharing it sees the change at once. Nothing is kept per process.
 */
import type { Queryable } from '../db/types.js';
import { compactChanges, lookup, store } from './results-store.js';

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
 * The stored-answer reader: one query asks the database for the current data version and the
 * stored answer of the key together; the stored text is served only when it was computed at that
 * version, so no answer older than the last committed write is served, whichever process wrote.
 * Nothing is kept per process (../shared/ROUND.md: no per-process result caches).
 */
export function createStoredReads(db: Queryable): StoredReads {
  return async (parts, compute, serialize = JSON.stringify) => {
    const key = JSON.stringify(parts);
    // the version is read before the answer is computed: the answer is at least as new as it
    const hit = await lookup(db, key);
    if (hit.payload !== null && hit.version === hit.current) return { json: hit.payload, stored: true };
    const json = serialize(await compute());
    if (await compactChanges(db)) return { json, stored: false };
    await store(db, key, hit.current, json);
    return { json, stored: false };
  };
}
