/**
 * HR overrides of suggested targets, per person or for the whole role (employee '*'), each
 * change written to an append-only audit log (who, when, before, after, suggested, why) in the
 * same transaction.
 */
import { AUDIT_COLS, type AuditRecord, recordAudit } from '../audit/store.js';
import type { Db, Queryable } from '../db/types.js';
import { NotFoundError } from '../lib/errors.js';
import type { ScopeKey } from './series.js';

export const ROLE_WIDE = '*';

export interface StoredOverride {
  role_id: string;
  metric_id: string;
  period: string;
  employee_id: string;
  value: number;
  reason: string;
  set_by: string | null;
  set_at: Date;
}

export interface AppliedOverride {
  value: number;
  reason: string;
  set_by: string | null;
  set_at: Date;
  /** 'person' or 'role' (a role-wide override applies to everyone without a personal one). */
  level: 'person' | 'role';
}

export interface AuditEntry {
  id: number;
  role_id: string;
  metric_id: string;
  period: string;
  employee_id: string;
  action: 'set' | 'clear';
  before_value: number | null;
  after_value: number | null;
  suggested: number | null;
  model_version: string | null;
  reason: string;
  actor: string | null;
  at: Date;
}

const OCOLS = 'role_id, metric_id, period, employee_id, value, reason, set_by, set_at';

export async function loadOverrides(
  db: Queryable,
  key: ScopeKey,
  period: string,
): Promise<Map<string, StoredOverride>> {
  const r = await db.query<StoredOverride>(
    `select ${OCOLS} from target_overrides where role_id = $1 and metric_id = $2 and period = $3`,
    [key.role, key.metric, period],
  );
  return new Map(r.rows.map((o) => [o.employee_id, o]));
}

/** The target after overrides: a personal override wins over a role-wide one. */
export function applyOverrides(
  overrides: ReadonlyMap<string, StoredOverride>,
  employeeId: string,
  suggested: number,
): { target: number; override: AppliedOverride | null } {
  const o = overrides.get(employeeId) ?? overrides.get(ROLE_WIDE);
  if (!o) return { target: suggested, override: null };
  return {
    target: o.value,
    override: {
      value: o.value,
      reason: o.reason,
      set_by: o.set_by,
      set_at: o.set_at,
      level: o.employee_id === ROLE_WIDE ? 'role' : 'person',
    },
  };
}

export interface OverrideChange {
  role: string;
  metric: string;
  period: string;
  employeeId: string;
  reason: string;
  actor: string | null;
  /** The suggested target when the change was made (for the audit), if known. */
  suggested?: number | null;
  modelVersion?: string | null;
}

/**
 * Serialises every change of one person's (or the role-wide) override of a metric and period:
 * setting, clearing and filing a request for approval (src/periods/approvals-store.ts) take it.
 */
export async function lockOverride(
  tx: Queryable,
  k: { role: string; metric: string; period: string; employeeId: string },
): Promise<void> {
  await tx.query(
    `select pg_advisory_xact_lock(hashtext('kpi-override:' || $1 || ':' || $2 || ':' || $3 || ':' || $4))`,
    [k.role, k.metric, k.period, k.employeeId],
  );
}

/** Sets (or replaces) an override; the audit row holds the value before and after. One transaction. */
export async function setOverride(
  db: Db,
  c: OverrideChange & { value: number },
): Promise<{ override: StoredOverride; audit: AuditEntry }> {
  return db.transaction((tx) => setOverrideOn(tx, c));
}

/** setOverride on a transaction the caller holds (an approval applies the override with its own audit row). */
export async function setOverrideOn(
  tx: Queryable,
  c: OverrideChange & { value: number },
): Promise<{ override: StoredOverride; audit: AuditEntry }> {
  await lockOverride(tx, c);
  const before = (
    await tx.query<{ value: number }>(
      'select value from target_overrides where role_id = $1 and metric_id = $2 and period = $3 and employee_id = $4',
      [c.role, c.metric, c.period, c.employeeId],
    )
  ).rows[0];
  const o = await tx.query<StoredOverride>(
    `insert into target_overrides (role_id, metric_id, period, employee_id, value, reason, set_by) values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (role_id, metric_id, period, employee_id) do update set value = excluded.value, reason = excluded.reason, set_by = excluded.set_by, set_at = now()
       returning ${OCOLS}`,
    [c.role, c.metric, c.period, c.employeeId, c.value, c.reason, c.actor],
  );
  const a = await auditOverride(tx, c, 'set', before?.value ?? null, c.value);
  return { override: o.rows[0]!, audit: a };
}

/** Removes an override (back to the suggested target); audited. NotFound when there is none. */
export async function clearOverride(db: Db, c: OverrideChange): Promise<AuditEntry> {
  return db.transaction((tx) => clearOverrideOn(tx, c));
}

/** clearOverride on a transaction the caller holds (an import of overrides changes many in one). */
export async function clearOverrideOn(tx: Queryable, c: OverrideChange): Promise<AuditEntry> {
  await lockOverride(tx, c);
  const gone = await tx.query<{ value: number }>(
    'delete from target_overrides where role_id = $1 and metric_id = $2 and period = $3 and employee_id = $4 returning value',
    [c.role, c.metric, c.period, c.employeeId],
  );
  if (!gone.rows[0]) throw new NotFoundError(`an override of ${c.metric} for ${c.employeeId} (${c.role}, ${c.period})`);
  return auditOverride(tx, c, 'clear', gone.rows[0].value, null);
}

export interface OverrideFilter {
  role?: string | undefined;
  metric?: string | undefined;
  period?: string | undefined;
  employee_id?: string | undefined;
}

export async function listOverrides(db: Queryable, f: OverrideFilter): Promise<StoredOverride[]> {
  const r = await db.query<StoredOverride>(
    `select ${OCOLS} from target_overrides where ($1::text is null or role_id = $1) and ($2::text is null or metric_id = $2) and ($3::text is null or period = $3) and ($4::text is null or employee_id = $4)
     order by role_id, metric_id, period, employee_id`,
    [f.role ?? null, f.metric ?? null, f.period ?? null, f.employee_id ?? null],
  );
  return r.rows;
}

export async function listAudit(
  db: Queryable,
  f: OverrideFilter & { limit?: number; offset?: number },
): Promise<AuditEntry[]> {
  const r = await db.query<AuditRecord>(
    `select ${AUDIT_COLS} from audit_log where subject_type = 'target_override'
       and ($1::text is null or role_id = $1) and ($2::text is null or metric_id = $2) and ($3::text is null or period = $3) and ($4::text is null or employee_id = $4)
     order by id desc limit $5 offset $6`,
    [f.role ?? null, f.metric ?? null, f.period ?? null, f.employee_id ?? null, f.limit ?? 1000, f.offset ?? 0],
  );
  return r.rows.map(overrideEntry);
}

/** The override's audit row in the one audit store, in the caller's transaction. */
async function auditOverride(
  tx: Queryable,
  c: OverrideChange,
  action: 'set' | 'clear',
  before: number | null,
  after: number | null,
): Promise<AuditEntry> {
  return overrideEntry(
    await recordAudit(tx, {
      actor: c.actor,
      action: `target_override.${action}`,
      subject: { type: 'target_override', id: `${c.role}/${c.metric}/${c.period}/${c.employeeId}` },
      role: c.role,
      metric: c.metric,
      period: c.period,
      employeeId: c.employeeId,
      before: before === null ? null : { value: before },
      after: after === null ? null : { value: after },
      reason: c.reason,
      detail: { suggested: c.suggested ?? null, model_version: c.modelVersion ?? null },
    }),
  );
}

/** An audit-store row of an override, in the shape `/v1/targets/audit` has always answered. */
function overrideEntry(a: AuditRecord): AuditEntry {
  const value = (v: unknown): number | null =>
    v && typeof v === 'object' && typeof (v as { value?: unknown }).value === 'number'
      ? (v as { value: number }).value
      : null;
  const d = a.detail as { suggested?: number | null; model_version?: string | null };
  return {
    id: Number(a.id),
    role_id: a.role_id!,
    metric_id: a.metric_id!,
    period: a.period!,
    employee_id: a.employee_id!,
    action: a.action === 'target_override.clear' ? 'clear' : 'set',
    before_value: value(a.before),
    after_value: value(a.after),
    suggested: d.suggested ?? null,
    model_version: d.model_version ?? null,
    reason: a.reason ?? '',
    actor: a.actor,
    at: a.at,
  };
}
