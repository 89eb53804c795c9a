/**
 * SQL of closed periods (migration 012): the snapshots of closed roles and periods, and the override
 * requests waiting for a second approver. Closes, reopens, approvals and rejections write their audit
 * row (src/audit) in the same transaction as the change.
 */
import { recordAudit } from '../audit/store.js';
import type { Db, Queryable } from '../db/types.js';
import { ConflictError } from '../lib/errors.js';
import { SNAPSHOT_PARTS, type SnapshotPart } from './parts.js';

/** What a snapshot is, without its frozen answers. */
export interface SnapshotMeta {
  role_id: string;
  period: string;
  version: number;
  state: 'closed' | 'reopened';
  closed_by: string | null;
  closed_at: Date;
  reason: string | null;
  reopened_by: string | null;
  reopened_at: Date | null;
  reopen_reason: string | null;
  /** The quarter whose close froze this month with it (migration 017), else null. */
  within: string | null;
  data_version: string;
  fingerprint: string;
  models: Record<string, string>;
  hashes: Record<SnapshotPart, string>;
}

export { SNAPSHOT_PARTS, type SnapshotPart };

/** The frozen answers (JSON text) of a snapshot. */
export type SnapshotParts = Record<SnapshotPart, string>;

const META =
  'role_id, period, version, state, closed_by, closed_at, reason, reopened_by, reopened_at, reopen_reason, within, data_version, fingerprint, models, hashes';

const meta = (r: SnapshotMeta): SnapshotMeta => ({ ...r, version: Number(r.version) });

/** The closed snapshots of a period (every role closed there), by role. */
export async function closedOfPeriod(q: Queryable, period: string): Promise<SnapshotMeta[]> {
  const r = await q.query<SnapshotMeta>(
    `select ${META} from period_snapshots where period = $1 and state = 'closed' order by role_id`,
    [period],
  );
  return r.rows.map(meta);
}

/** Every snapshot of a role and period (all versions, oldest first). */
export async function snapshotsOf(q: Queryable, role: string, period: string): Promise<SnapshotMeta[]> {
  const r = await q.query<SnapshotMeta>(
    `select ${META} from period_snapshots where role_id = $1 and period = $2 order by version`,
    [role, period],
  );
  return r.rows.map(meta);
}

/** Closed snapshots, newest close first (optionally of one role). */
export async function listClosed(q: Queryable, role?: string): Promise<SnapshotMeta[]> {
  const r = await q.query<SnapshotMeta>(
    `select ${META} from period_snapshots where state = 'closed' and ($1::text is null or role_id = $1) order by closed_at desc, role_id, period`,
    [role ?? null],
  );
  return r.rows.map(meta);
}

/** One frozen answer of a snapshot. */
export async function snapshotPart(
  q: Queryable,
  role: string,
  period: string,
  version: number,
  part: SnapshotPart,
): Promise<string | null> {
  const r = await q.query<{ t: string }>(
    `select ${part} as t from period_snapshots where role_id = $1 and period = $2 and version = $3`,
    [role, period, version],
  );
  return r.rows[0]?.t ?? null;
}

export interface NewSnapshot {
  role: string;
  period: string;
  actor: string | null;
  reason: string | null;
  /** The quarter whose close this month's snapshot belongs to (null: a close of its own). */
  within?: string | null;
  dataVersion: string;
  fingerprint: string;
  models: Record<string, string>;
  hashes: Record<SnapshotPart, string>;
  parts: SnapshotParts;
}

const lock = (tx: Queryable, role: string, period: string) =>
  tx.query(`select pg_advisory_xact_lock(hashtext('kpi-period:' || $1 || ':' || $2))`, [role, period]);

/**
 * Writes the snapshots in one transaction, each as the next version of its role and period unless that
 * one is closed already (then its snapshot in force is answered and nothing is written: closing twice
 * is one close), each with its audit row. `created` tells which, in the order given.
 */
export async function insertSnapshots(
  db: Db,
  list: readonly NewSnapshot[],
): Promise<{ snapshot: SnapshotMeta; created: boolean }[]> {
  return db.transaction(async (tx) => {
    // locks in one order (role, period) so two closes of overlapping periods cannot deadlock
    for (const s of [...list].sort((a, b) => (`${a.role}/${a.period}` < `${b.role}/${b.period}` ? -1 : 1)))
      await lock(tx, s.role, s.period);
    const out: { snapshot: SnapshotMeta; created: boolean }[] = [];
    for (const s of list) {
      const open = await tx.query<SnapshotMeta>(
        `select ${META} from period_snapshots where role_id = $1 and period = $2 and state = 'closed'`,
        [s.role, s.period],
      );
      if (open.rows[0]) {
        out.push({ snapshot: meta(open.rows[0]), created: false });
        continue;
      }
      const r = await tx.query<SnapshotMeta>(
        `insert into period_snapshots (role_id, period, version, state, closed_by, reason, within, data_version, fingerprint, models, hashes, kpi_inputs, targets, ratings, weight_profile)
         select $1, $2, coalesce(max(version), 0) + 1, 'closed', $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11, $12, $13
         from period_snapshots where role_id = $1 and period = $2
         returning ${META}`,
        [
          s.role,
          s.period,
          s.actor,
          s.reason,
          s.within ?? null,
          s.dataVersion,
          s.fingerprint,
          JSON.stringify(s.models),
          JSON.stringify(s.hashes),
          s.parts.kpi_inputs,
          s.parts.targets,
          s.parts.ratings,
          s.parts.weight_profile,
        ],
      );
      const snapshot = meta(r.rows[0]!);
      await recordAudit(tx, {
        actor: s.actor,
        action: 'period.close',
        subject: { type: 'period', id: `${s.role}/${s.period}` },
        role: s.role,
        period: s.period,
        before: null,
        after: { state: 'closed', version: snapshot.version },
        reason: s.reason,
        detail: {
          version: snapshot.version,
          ...(s.within ? { within: s.within } : {}),
          data_version: s.dataVersion,
          fingerprint: s.fingerprint,
          models: s.models,
          hashes: s.hashes,
        },
      });
      out.push({ snapshot, created: true });
    }
    return out;
  });
}

/** One snapshot (insertSnapshots of one). */
export async function insertSnapshot(db: Db, s: NewSnapshot): Promise<{ snapshot: SnapshotMeta; created: boolean }> {
  return (await insertSnapshots(db, [s]))[0]!;
}

/**
 * Marks the closed snapshot reopened (who, when, why), and the months closed `within` it when it is a
 * quarter, each audited, in one transaction; null when the period is not closed. A month closed with its
 * quarter is refused (`closed_with_quarter`) while that quarter is closed.
 */
export async function reopenSnapshot(
  db: Db,
  role: string,
  period: string,
  actor: string | null,
  reason: string,
): Promise<SnapshotMeta | null> {
  return db.transaction(async (tx) => {
    await lock(tx, role, period);
    const held = await tx.query<{ within: string }>(
      `select m.within from period_snapshots m join period_snapshots q
         on q.role_id = m.role_id and q.period = m.within and q.state = 'closed'
       where m.role_id = $1 and m.period = $2 and m.state = 'closed' and m.within is not null`,
      [role, period],
    );
    if (held.rows[0])
      throw new ConflictError(
        `${period} was closed with ${held.rows[0].within} for ${role}: reopen ${held.rows[0].within} to reopen its months`,
      );
    const r = await tx.query<SnapshotMeta>(
      `update period_snapshots set state = 'reopened', reopened_by = $3, reopened_at = now(), reopen_reason = $4
       where state = 'closed' and role_id = $1 and (period = $2 or within = $2) returning ${META}`,
      [role, period, actor, reason],
    );
    const main = r.rows.find((x) => x.period === period);
    if (!main) return null;
    for (const s of [main, ...r.rows.filter((x) => x !== main)])
      await recordAudit(tx, {
        actor,
        action: 'period.reopen',
        subject: { type: 'period', id: `${role}/${s.period}` },
        role,
        period: s.period,
        before: { state: 'closed', version: Number(s.version) },
        after: { state: 'reopened', version: Number(s.version) },
        reason,
        detail: { version: Number(s.version), ...(s.within ? { within: s.within } : {}) },
      });
    return meta(main);
  });
}

/** The active model versions (`kind/scope` → id). */
export async function activeModelIds(q: Queryable): Promise<Record<string, string>> {
  const r = await q.query<{ kind: string; scope: string; id: string }>(
    `select kind, scope, id from model_versions where status = 'active' order by kind, scope`,
  );
  return Object.fromEntries(r.rows.map((x) => [`${x.kind}/${x.scope}`, x.id]));
}
