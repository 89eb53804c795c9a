/**
 * Model registry: versions stored in the database with their artifact, metadata and figures.
 * Status candidate → active → retired; at most one active version per (kind, scope), enforced by
 * a unique partial index. Promote and roll back are single transactions and leave an event (model_events)
 * and an audit row (`model.promote` / `model.rollback`, src/audit).
 */
import { recordAudit } from '../audit/store.js';
import type { Db, Queryable } from '../db/types.js';
import { ConflictError, NotFoundError } from '../lib/errors.js';

export interface ModelVersion {
  id: string;
  kind: string;
  scope: string;
  status: 'candidate' | 'active' | 'retired';
  metadata: Record<string, unknown>;
  metrics: Record<string, unknown>;
  data_range: Record<string, unknown> | null;
  job_id: string | null;
  created_at: Date;
  promoted_at: Date | null;
}

const COLS = 'id, kind, scope, status, metadata, metrics, data_range, job_id, created_at, promoted_at';

export interface RegisterInput {
  id: string;
  kind: string;
  scope: string;
  artifact?: Uint8Array | null;
  metadata?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
  dataRange?: Record<string, unknown> | null;
  jobId?: string | null;
  actor?: string | null;
}

/**
 * Registers a version as a candidate. Idempotent: registering the same id again returns the
 * stored version unchanged (a retried training job never creates a second version).
 */
export async function registerVersion(db: Db, v: RegisterInput): Promise<ModelVersion> {
  return db.transaction(async (tx) => {
    const ins = await tx.query<ModelVersion>(
      `insert into model_versions (id, kind, scope, artifact, metadata, metrics, data_range, job_id) values ($1, $2, $3, $4, $5, $6, $7, $8)
       on conflict (id) do nothing returning ${COLS}`,
      [
        v.id,
        v.kind,
        v.scope,
        v.artifact ?? null,
        JSON.stringify(v.metadata ?? {}),
        JSON.stringify(v.metrics ?? {}),
        v.dataRange ? JSON.stringify(v.dataRange) : null,
        v.jobId ?? null,
      ],
    );
    if (ins.rows[0]) {
      await tx.query(
        `insert into model_events (kind, scope, action, to_version, actor) values ($1, $2, 'register', $3, $4)`,
        [v.kind, v.scope, v.id, v.actor ?? null],
      );
      return ins.rows[0];
    }
    const existing = await tx.query<ModelVersion>(`select ${COLS} from model_versions where id = $1`, [v.id]);
    return existing.rows[0]!;
  });
}

export async function getVersion(db: Queryable, id: string): Promise<ModelVersion | null> {
  return (await db.query<ModelVersion>(`select ${COLS} from model_versions where id = $1`, [id])).rows[0] ?? null;
}

export async function getArtifact(db: Queryable, id: string): Promise<Uint8Array | null> {
  const r = await db.query<{ artifact: Uint8Array | null }>('select artifact from model_versions where id = $1', [id]);
  return r.rows[0]?.artifact ?? null;
}

export async function getActive(db: Queryable, kind: string, scope: string): Promise<ModelVersion | null> {
  return (
    (
      await db.query<ModelVersion>(
        `select ${COLS} from model_versions where kind = $1 and scope = $2 and status = 'active'`,
        [kind, scope],
      )
    ).rows[0] ?? null
  );
}

export async function listVersions(
  db: Queryable,
  filter: { kind?: string | undefined; scope?: string | undefined } = {},
): Promise<ModelVersion[]> {
  const r = await db.query<ModelVersion>(
    `select ${COLS} from model_versions where ($1::text is null or kind = $1) and ($2::text is null or scope = $2) order by kind, scope, created_at desc, id`,
    [filter.kind ?? null, filter.scope ?? null],
  );
  return r.rows;
}

/**
 * The audit row of a switch (the one audit store, src/audit), in the switch's transaction; model_events
 * stays the registry's own history. `system` (start-up registering a shipped model) is the service: actor null.
 */
async function auditSwitch(
  tx: Queryable,
  verb: 'promote' | 'rollback',
  kind: string,
  scope: string,
  from: string | null,
  to: string,
  actor: string | null,
  reason: string | null,
): Promise<void> {
  await recordAudit(tx, {
    actor: actor === 'system' ? null : actor,
    action: `model.${verb}`,
    subject: { type: 'model', id: `${kind}/${scope}` },
    before: from === null ? null : { active: from },
    after: { active: to },
    reason,
    detail: { kind, scope, from_version: from, to_version: to },
  });
}

/** Serialises switches of one (kind, scope) across processes for the rest of the transaction. */
async function lockScope(tx: Queryable, kind: string, scope: string): Promise<void> {
  await tx.query(`select pg_advisory_xact_lock(hashtext('kpi-registry:' || $1 || ':' || $2))`, [kind, scope]);
}

/** Makes `id` the active version of its (kind, scope); the previous active one is retired. One transaction. */
export async function promote(
  db: Db,
  id: string,
  actor: string | null,
  reason: string | null = null,
): Promise<ModelVersion> {
  return db.transaction(async (tx) => {
    const found = (
      await tx.query<{ kind: string; scope: string }>(`select kind, scope from model_versions where id = $1`, [id])
    ).rows[0];
    if (!found) throw new NotFoundError(`model version ${id}`);
    await lockScope(tx, found.kind, found.scope);
    // read again after the lock: a concurrent switch of this scope has committed by now
    const target = (await tx.query<ModelVersion>(`select ${COLS} from model_versions where id = $1`, [id])).rows[0]!;
    if (target.status === 'active') return target;
    const prev = (
      await tx.query<{ id: string }>(
        `select id from model_versions where kind = $1 and scope = $2 and status = 'active'`,
        [target.kind, target.scope],
      )
    ).rows[0];
    if (prev)
      await tx.query(`update model_versions set status = 'retired', retired_at = now() where id = $1`, [prev.id]);
    const r = await tx.query<ModelVersion>(
      `update model_versions set status = 'active', promoted_at = now(), retired_at = null where id = $1 returning ${COLS}`,
      [id],
    );
    await tx.query(
      `insert into model_events (kind, scope, action, from_version, to_version, actor, reason) values ($1, $2, 'promote', $3, $4, $5, $6)`,
      [target.kind, target.scope, prev?.id ?? null, id, actor, reason],
    );
    await auditSwitch(tx, 'promote', target.kind, target.scope, prev?.id ?? null, id, actor, reason);
    return r.rows[0]!;
  });
}

/** Re-activates the version that was active before the current one. One transaction. */
export async function rollback(
  db: Db,
  kind: string,
  scope: string,
  actor: string | null,
  reason: string | null = null,
): Promise<ModelVersion> {
  return db.transaction(async (tx) => {
    await lockScope(tx, kind, scope);
    const current = (
      await tx.query<{ id: string }>(
        `select id from model_versions where kind = $1 and scope = $2 and status = 'active'`,
        [kind, scope],
      )
    ).rows[0];
    if (!current) throw new NotFoundError(`an active ${kind} model for ${scope}`);
    const last = (
      await tx.query<{ from_version: string }>(
        `select from_version from model_events where kind = $1 and scope = $2 and action = 'promote' and to_version = $3 and from_version is not null order by id desc limit 1`,
        [kind, scope, current.id],
      )
    ).rows[0];
    if (!last) throw new ConflictError(`${current.id} has no previous version to roll back to`);
    await tx.query(`update model_versions set status = 'retired', retired_at = now() where id = $1`, [current.id]);
    const r = await tx.query<ModelVersion>(
      `update model_versions set status = 'active', promoted_at = now(), retired_at = null where id = $1 returning ${COLS}`,
      [last.from_version],
    );
    await tx.query(
      `insert into model_events (kind, scope, action, from_version, to_version, actor, reason) values ($1, $2, 'rollback', $3, $4, $5, $6)`,
      [kind, scope, current.id, last.from_version, actor, reason],
    );
    await auditSwitch(tx, 'rollback', kind, scope, current.id, last.from_version, actor, reason);
    return r.rows[0]!;
  });
}
