/**
 * API keys. A key is shown once, at creation; only its SHA-256 is stored (keys are 192-bit
 * random, so a fast hash is enough). Scopes: hr, cs_lead, scorer (read-only machine access),
 * admin (everything).
 */
import { createHash, randomBytes } from 'node:crypto';
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

export function createKeyRepository(db: Queryable, { cacheMs = 5000 } = {}) {
  const cache = new Map<string, { info: Pick<ApiKeyInfo, 'id' | 'scopes'> | null; until: number }>();

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

    /** Marks a key revoked; throws NotFoundError for an unknown id. Takes effect within `cacheMs`. */
    async revoke(id: string): Promise<void> {
      const r = await db.query('update api_keys set revoked_at = coalesce(revoked_at, now()) where id = $1', [id]);
      if (r.rowCount === 0) throw new NotFoundError(`API key ${id}`);
      cache.clear();
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
      const now = Date.now();
      const hit = cache.get(hash);
      if (hit && hit.until > now) return hit.info;
      const r = await db.query<{ id: string; scopes: Scope[] }>(
        'select id, scopes from api_keys where hash = $1 and revoked_at is null',
        [hash],
      );
      const info = r.rows[0] ?? null;
      if (cache.size > 10_000) cache.clear();
      cache.set(hash, { info, until: now + cacheMs });
      return info;
    },
  };
}

export type KeyRepository = ReturnType<typeof createKeyRepository>;
