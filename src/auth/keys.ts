/**
 * API keys. A key is shown once, at creation; only its SHA-256 is stored (keys are 192-bit
 * random, so a fast hash is enough). Scopes: hr, cs_lead, scorer (read-only machine access),
 * admin (everything), agent (bound to one employee: `agent_id`, migration 023; see scopes.ts).
 */
import crypto, { createHash, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { recordAudit } from '../audit/store.js';
import type { Db } from '../db/types.js';
import { BadRequestError, ConflictError, NotFoundError } from '../lib/errors.js';
import { agentBindingProblem, type Scope } from './scopes.js';
import { closeSessionsOfKey } from './sessions-store.js';

export { SCOPES, type Scope, scopeAllows, scopeSchema } from './scopes.js';

export interface ApiKeyInfo {
  id: string;
  name: string;
  scopes: Scope[];
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
  /** After this the key is refused (null: no expiry). A rotated key's expiry is the end of its grace period. */
  expires_at: Date | null;
  /** The key that replaced this one by rotation. */
  replaced_by: string | null;
  /** The key this one replaced by rotation. */
  rotated_from: string | null;
  /** The agent an `agent` key belongs to (null for every other key). */
  agent_id: string | null;
}

/** What a verified key is: its id, scopes and, for an `agent` key, the agent it is bound to. */
export interface VerifiedKey {
  id: string;
  scopes: Scope[];
  agentId: string | null;
}

export interface CreatedKey {
  id: string;
  /** The secret, shown once. */
  key: string;
  scopes: Scope[];
  expires_at: Date | null;
  agent_id: string | null;
}

/** Node's one-shot hash (20.12+), about twice as fast as a Hash object for a short key. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

export function hashKey(key: string): string {
  return oneShot ? oneShot('sha256', key, 'hex') : createHash('sha256').update(key).digest('hex');
}

/** How long a verified key is trusted without asking the database: a revocation made by another process takes effect within this. */
export const KEY_CACHE_MS = 5000;
/** Verified keys kept at most (least recently used go first). */
export const KEY_CACHE_MAX = 10_000;
/** How long the old key of a rotation stays valid by default (KEY_ROTATION_GRACE). */
export const ROTATION_GRACE_MS = 24 * 3_600_000;

const KEY_COLS =
  'id, name, scopes, created_at, revoked_at, last_used_at, expires_at, replaced_by, rotated_from, agent_id';

type Cached = VerifiedKey & { expiresAt: number | null };

/**
 * The key store. `verify` keeps verified keys only (by hash) in a bounded LRU for `cacheMs`: an
 * unknown or revoked key is never cached, so a flood of made-up keys cannot push real keys out (it
 * reaches the database each time, and the rate limit of its address bounds it: src/plugins/rate-limit.ts).
 * A revocation in this process takes effect at once; in another process within `cacheMs`.
 */
export function createKeyRepository(
  db: Db,
  {
    cacheMs = KEY_CACHE_MS,
    cacheMax = KEY_CACHE_MAX,
    maxLifetimeMs,
    rotationGraceMs = ROTATION_GRACE_MS,
    now,
  }: {
    cacheMs?: number;
    cacheMax?: number;
    /** KEY_MAX_DAYS: a key created without an expiry gets now + this; a later expiry is refused. */
    maxLifetimeMs?: number | undefined;
    /** KEY_ROTATION_GRACE: the old key's validity after a rotation, unless the request names one. */
    rotationGraceMs?: number;
    /** the clock of the cache (tests) */
    now?: () => number;
  } = {},
) {
  const cache = new LRUCache<string, Cached>({
    max: cacheMax,
    ttl: cacheMs,
    ...(now ? { perf: { now }, ttlResolution: 0 } : {}),
  });

  /** The expiry of a new key: the one asked for (not past, within the maximum lifetime) or the maximum. */
  function expiryOf(asked: Date | null | undefined): Date | null {
    const t = Date.now();
    if (asked && asked.getTime() <= t)
      throw new BadRequestError('expires_at must be in the future', { field: 'expires_at' });
    if (maxLifetimeMs === undefined) return asked ?? null;
    const max = new Date(t + maxLifetimeMs);
    if (asked && asked > max)
      throw new BadRequestError(
        `expires_at must be within ${Math.round(maxLifetimeMs / 86_400_000)} days (KEY_MAX_DAYS)`,
        {
          field: 'expires_at',
        },
      );
    return asked ?? max;
  }

  function secret(): { id: string; key: string } {
    const id = randomBytes(6).toString('hex');
    return { id, key: `kpi_${id}_${randomBytes(24).toString('base64url')}` };
  }

  return {
    /**
     * Creates a key, audited (`api_key.create`, never the secret); returns the secret once. An `agent`
     * key needs `agentId` (an existing employee) and no other scope (BadRequestError otherwise).
     */
    async create(
      name: string,
      scopes: Scope[],
      opts: {
        expiresAt?: Date | null | undefined;
        actor?: string | null | undefined;
        agentId?: string | null | undefined;
      } = {},
    ): Promise<CreatedKey> {
      const agentId = opts.agentId ?? null;
      const problem = agentBindingProblem(scopes, agentId);
      if (problem) throw new BadRequestError(problem, { field: agentId ? 'agent_id' : 'scopes' });
      const expiresAt = expiryOf(opts.expiresAt);
      const { id, key } = secret();
      await db.transaction(async (tx) => {
        if (agentId && (await tx.query('select 1 from employees where id = $1', [agentId])).rows.length === 0)
          throw new BadRequestError(`agent_id: no employee '${agentId}'`, { field: 'agent_id' });
        await tx.query(
          'insert into api_keys (id, name, hash, scopes, expires_at, agent_id) values ($1, $2, $3, $4, $5, $6)',
          [id, name, hashKey(key), scopes, expiresAt, agentId],
        );
        await recordAudit(tx, {
          actor: opts.actor ?? null,
          action: 'api_key.create',
          subject: { type: 'api_key', id },
          employeeId: agentId,
          after: { name, scopes, expires_at: expiresAt, ...(agentId ? { agent_id: agentId } : {}) },
        });
      });
      return { id, key, scopes, expires_at: expiresAt, agent_id: agentId };
    },

    /**
     * A new key with the same name and scopes; the old one stays valid for `graceMs` (default
     * KEY_ROTATION_GRACE) and is refused after, its console sessions with it. Audited (`api_key.rotate`).
     * A revoked, expired or already rotated key cannot be rotated (ConflictError).
     */
    async rotate(
      oldId: string,
      opts: {
        graceMs?: number | undefined;
        expiresAt?: Date | null | undefined;
        actor?: string | null | undefined;
      } = {},
    ): Promise<CreatedKey & { rotated_from: string; old_expires_at: Date }> {
      const graceMs = opts.graceMs ?? rotationGraceMs;
      const expiresAt = expiryOf(opts.expiresAt);
      const { id, key } = secret();
      const r = await db.transaction(async (tx) => {
        const old = (
          await tx.query<ApiKeyInfo & { hash: string; live: boolean }>(
            `select ${KEY_COLS}, hash, (expires_at is null or expires_at > now()) as live from api_keys where id = $1 for update`,
            [oldId],
          )
        ).rows[0];
        if (!old) throw new NotFoundError(`API key ${oldId}`);
        if (old.revoked_at) throw new ConflictError(`API key ${oldId} is revoked`);
        if (old.replaced_by) throw new ConflictError(`API key ${oldId} was already rotated (to ${old.replaced_by})`);
        if (!old.live) throw new ConflictError(`API key ${oldId} has expired`);
        await tx.query(
          'insert into api_keys (id, name, hash, scopes, expires_at, rotated_from, agent_id) values ($1, $2, $3, $4, $5, $6, $7)',
          [id, old.name, hashKey(key), old.scopes, expiresAt, oldId, old.agent_id],
        );
        const upd = await tx.query<{ expires_at: Date }>(
          `update api_keys set replaced_by = $2,
             expires_at = least(coalesce(expires_at, 'infinity'::timestamptz), now() + make_interval(secs => $3::float8))
           where id = $1 returning expires_at`,
          [oldId, id, graceMs / 1000],
        );
        const oldExpires = upd.rows[0]!.expires_at;
        await recordAudit(tx, {
          actor: opts.actor ?? null,
          action: 'api_key.rotate',
          subject: { type: 'api_key', id: oldId },
          before: { name: old.name, scopes: old.scopes, expires_at: old.expires_at },
          after: { name: old.name, scopes: old.scopes, expires_at: oldExpires, replaced_by: id },
          detail: { new_key: id, new_expires_at: expiresAt, grace_seconds: graceMs / 1000 },
        });
        return { hash: old.hash, scopes: old.scopes, agentId: old.agent_id, oldExpires };
      });
      // this process sees the shortened expiry at once; others within `cacheMs`
      cache.delete(r.hash);
      return {
        id,
        key,
        scopes: r.scopes,
        expires_at: expiresAt,
        agent_id: r.agentId,
        rotated_from: oldId,
        old_expires_at: r.oldExpires,
      };
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

    /**
     * Marks a key revoked and ends its console sessions, in one transaction, audited (`api_key.revoke`;
     * revoking a revoked key changes and records nothing). NotFoundError for an unknown id. Takes
     * effect at once in this process, within `cacheMs` (5 s) in other processes.
     */
    async revoke(id: string, actor: string | null = null): Promise<{ sessions_ended: number }> {
      const r = await db.transaction(async (tx) => {
        const before = (
          await tx.query<ApiKeyInfo & { hash: string }>(
            `select ${KEY_COLS}, hash from api_keys where id = $1 for update`,
            [id],
          )
        ).rows[0];
        if (!before) throw new NotFoundError(`API key ${id}`);
        if (before.revoked_at) return { hash: before.hash, ended: 0 };
        const after = (
          await tx.query<{ revoked_at: Date }>(
            'update api_keys set revoked_at = now() where id = $1 returning revoked_at',
            [id],
          )
        ).rows[0]!;
        const ended = await closeSessionsOfKey(tx, id);
        await recordAudit(tx, {
          actor,
          action: 'api_key.revoke',
          subject: { type: 'api_key', id },
          before: { name: before.name, scopes: before.scopes, revoked_at: null },
          after: { name: before.name, scopes: before.scopes, revoked_at: after.revoked_at },
          detail: { sessions_ended: ended },
        });
        return { hash: before.hash, ended };
      });
      cache.delete(r.hash);
      return { sessions_ended: r.ended };
    },

    async list(): Promise<ApiKeyInfo[]> {
      const r = await db.query<ApiKeyInfo>(`select ${KEY_COLS} from api_keys order by created_at, id`);
      return r.rows;
    },

    async count(): Promise<number> {
      const r = await db.query<{ n: number }>(
        'select count(*)::int8 as n from api_keys where revoked_at is null and (expires_at is null or expires_at > now())',
      );
      return r.rows[0]?.n ?? 0;
    },

    /** The key's id, scopes and agent binding, or null for an unknown, revoked or expired key. */
    async verify(key: string): Promise<VerifiedKey | null> {
      const hash = hashKey(key);
      const hit = cache.get(hash);
      if (hit && (hit.expiresAt === null || hit.expiresAt > Date.now()))
        return { id: hit.id, scopes: hit.scopes, agentId: hit.agentId };
      if (hit) cache.delete(hash);
      // a key verified from the database is in use now: last_used_at moves at most once per cacheMs
      // per key and process (the cache answers in between), to within that of the last request
      const r = await db.query<{ id: string; scopes: Scope[]; expires_at: Date | null; agent_id: string | null }>(
        `update api_keys set last_used_at = now()
         where hash = $1 and revoked_at is null and (expires_at is null or expires_at > now())
         returning id, scopes, expires_at, agent_id`,
        [hash],
      );
      const row = r.rows[0];
      if (!row) return null;
      const info = { id: row.id, scopes: row.scopes, agentId: row.agent_id };
      cache.set(hash, { ...info, expiresAt: row.expires_at?.getTime() ?? null });
      return info;
    },

    /** Verified keys held in this process's cache (tests, metrics). */
    cached: () => cache.size,
  };
}

export type KeyRepository = ReturnType<typeof createKeyRepository>;
