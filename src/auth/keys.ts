/**
 * API keys. A key is shown once, at creation; only its SHA-256 is stored (keys are 192-bit
 * random, so a fast hash is enough). Scopes: hr, cs_lead, scorer (read-only machine access),
 * admin (everything).
 */
import { createHash, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Queryable } from '../db/types.js';
import { NotFoundError } from '../lib/errors.js';
import type { Scope } from './scopes.js';

export { SCOPES, type Scope, scopeAllows, scopeSchema } from './scopes.js';

export interface ApiKeyInfo {
  id: string;
  name: string;
  scopes: Scope[];
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** How long a verified key is trusted without asking the database: a revocation made by another process takes effect within this. */
export const KEY_CACHE_MS = 5000;
/** Verified keys kept at most (least recently used go first). */
export const KEY_CACHE_MAX = 10_000;

/**
 * The key store. `verify` keeps verified keys only (by hash) in a bounded LRU for `cacheMs`: an
 * unknown or revoked key is never cached, so a flood of made-up keys cannot push real keys out (it
 * reaches the database each time, and the rate limit of its address bounds it: src/plugins/rate-limit.ts).
 * A revocation in this process takes effect at once; in another process within `cacheMs`.
 */
export function createKeyRepository(
  db: Queryable,
  {
    cacheMs = KEY_CACHE_MS,
    cacheMax = KEY_CACHE_MAX,
    now,
  }: { cacheMs?: number; cacheMax?: number /** the clock (tests) */; now?: () => number } = {},
) {
  const cache = new LRUCache<string, Pick<ApiKeyInfo, 'id' | 'scopes'>>({
    max: cacheMax,
    ttl: cacheMs,
    ...(now ? { perf: { now }, ttlResolution: 0 } : {}),
  });

  return {
    /** Creates a key; returns the secret once. */
    async create(name: string, scopes: Scope[]): Promise<{ id: string; key: string; scopes: Scope[] }> {
      const id = randomBytes(6).toString('hex');
      const key = `kpi_${id}_${randomBytes(24).toString('base64url')}`;
      await db.query('insert into api_keys (id, name, hash, scopes) values ($1, $2, $3, $4)', [
        id,
        name,
        hashKey(key),
        scopes,
      ]);
      return { id, key, scopes };
    },

    /**
     * Registers an operator-chosen key (KPI_ADMIN_KEY) with the admin scope. Idempotent: the
     * same key is registered once; a revoked bootstrap key stays revoked.
     */
    async ensureBootstrap(key: string): Promise<string> {
      const hash = hashKey(key);
      const id = `boot_${hash.slice(0, 8)}`;
      await db.query(
        `insert into api_keys (id, name, hash, scopes) values ($1, 'bootstrap admin (KPI_ADMIN_KEY)', $2, $3) on conflict (hash) do nothing`,
        [id, hash, ['admin']],
      );
      return id;
    },

    /** Marks a key revoked; throws NotFoundError for an unknown id. At once here, within `cacheMs` in other processes. */
    async revoke(id: string): Promise<void> {
      const r = await db.query<{ hash: string }>(
        'update api_keys set revoked_at = coalesce(revoked_at, now()) where id = $1 returning hash',
        [id],
      );
      if (!r.rows[0]) throw new NotFoundError(`API key ${id}`);
      cache.delete(r.rows[0].hash);
    },

    async list(): Promise<ApiKeyInfo[]> {
      const r = await db.query<ApiKeyInfo>(
        'select id, name, scopes, created_at, revoked_at, last_used_at from api_keys order by created_at, id',
      );
      return r.rows;
    },

    async count(): Promise<number> {
      const r = await db.query<{ n: number }>('select count(*)::int8 as n from api_keys where revoked_at is null');
      return r.rows[0]?.n ?? 0;
    },

    /** The key's id and scopes, or null for an unknown or revoked key. */
    async verify(key: string): Promise<Pick<ApiKeyInfo, 'id' | 'scopes'> | null> {
      const hash = hashKey(key);
      const hit = cache.get(hash);
      if (hit) return hit;
      const r = await db.query<{ id: string; scopes: Scope[] }>(
        'select id, scopes from api_keys where hash = $1 and revoked_at is null',
        [hash],
      );
      const info = r.rows[0] ?? null;
      if (info) cache.set(hash, info);
      return info;
    },

    /** Verified keys held in this process's cache (tests, metrics). */
    cached: () => cache.size,
  };
}

export type KeyRepository = ReturnType<typeof createKeyRepository>;
