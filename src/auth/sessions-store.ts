/**
 * Console sessions in the database (migration 007): opened with an API key, identified by a random
 * token whose SHA-256 is the row's id (the token itself is only in the browser's cookie), with a
 * CSRF token for the session's forms, and an idle expiry pushed forward while the session is used.
 * The scopes are the key's, read on every lookup: a revoked key ends its sessions at once (its
 * revocation also deletes them), an expired key (past its expiry or a rotation's grace period) too.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/types.js';
import type { Scope } from './scopes.js';

export interface Session {
  /** SHA-256 of the cookie token */
  id: string;
  keyId: string;
  scopes: Scope[];
  /** the agent an `agent` key is bound to (migration 023), else null */
  agentId: string | null;
  csrf: string;
  expiresAt: Date;
}

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Opens a session for key `keyId`, valid for `ttlMs` of idleness; returns the cookie token once. */
export async function openSession(
  db: Queryable,
  keyId: string,
  ttlMs: number,
): Promise<{ token: string; csrf: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  const expiresAt = new Date(Date.now() + ttlMs);
  // expired sessions go when someone signs in: the table stays as small as the live sessions
  await db.query('delete from console_sessions where expires_at < now()');
  await db.query('insert into console_sessions (id, key_id, csrf, expires_at) values ($1, $2, $3, $4)', [
    hashToken(token),
    keyId,
    csrf,
    expiresAt,
  ]);
  return { token, csrf, expiresAt };
}

/**
 * The live session of `token` (its key not revoked, not expired), or null. The expiry moves to
 * now + ttl when more than `touchAfterMs` passed since the last use (one write a minute, not one a request).
 */
export async function findSession(
  db: Queryable,
  token: string,
  ttlMs: number,
  touchAfterMs = 60_000,
): Promise<Session | null> {
  const id = hashToken(token);
  const r = await db.query<{
    key_id: string;
    scopes: Scope[];
    agent_id: string | null;
    csrf: string;
    expires_at: Date;
    last_seen_at: Date;
  }>(
    `select s.key_id, k.scopes, k.agent_id, s.csrf, s.expires_at, s.last_seen_at
     from console_sessions s join api_keys k on k.id = s.key_id
     where s.id = $1 and s.expires_at > now() and k.revoked_at is null
       and (k.expires_at is null or k.expires_at > now())`,
    [id],
  );
  const row = r.rows[0];
  if (!row) return null;
  let expiresAt = row.expires_at;
  if (Date.now() - row.last_seen_at.getTime() > touchAfterMs) {
    expiresAt = new Date(Date.now() + ttlMs);
    await db.query('update console_sessions set last_seen_at = now(), expires_at = $2 where id = $1', [id, expiresAt]);
  }
  return { id, keyId: row.key_id, scopes: row.scopes, agentId: row.agent_id, csrf: row.csrf, expiresAt };
}

/** Ends the session of `token` (sign-out); unknown tokens are ignored. */
export async function closeSession(db: Queryable, token: string): Promise<void> {
  await db.query('delete from console_sessions where id = $1', [hashToken(token)]);
}

/** Ends every session of a key (for key revocation and rotation). */
export async function closeSessionsOfKey(db: Queryable, keyId: string): Promise<number> {
  return (await db.query('delete from console_sessions where key_id = $1', [keyId])).rowCount;
}

/** Moves a session's expiry (tests of expiry). */
export async function expireSessionAt(db: Queryable, token: string, at: Date): Promise<void> {
  await db.query('update console_sessions set expires_at = $2 where id = $1', [hashToken(token), at]);
}
