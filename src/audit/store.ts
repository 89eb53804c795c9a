/**
 * The one audit store (migration 011): every audited change is one append-only row of `audit_log`,
 * written by the module that makes the change, with the same query handle, so the change and its
 * audit row commit together or not at all.
 */
import type { Queryable } from '../db/types.js';

/** What a change records. `action` is `<subject_type>.<verb>`, e.g. `target_override.set`. */
export interface AuditInput {
  /** The API key id that made the change; null for the service itself (start-up, jobs). */
  actor: string | null;
  action: string;
  subject: { type: string; id: string };
  role?: string | null | undefined;
  metric?: string | null | undefined;
  period?: string | null | undefined;
  employeeId?: string | null | undefined;
  /** The object before and after the change (JSON; null where it did not exist). */
  before?: unknown;
  after?: unknown;
  reason?: string | null | undefined;
  /** Anything else worth keeping (model version, suggested value, counts). */
  detail?: Record<string, unknown> | undefined;
}

export interface AuditRecord {
  id: number;
  at: Date;
  actor: string | null;
  action: string;
  subject_type: string;
  subject_id: string;
  role_id: string | null;
  metric_id: string | null;
  period: string | null;
  employee_id: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
  detail: Record<string, unknown>;
}

export interface AuditFilter {
  /** An exact action, or a prefix ending in '.' (`target_override.` matches set and clear). */
  action?: string | undefined;
  actor?: string | undefined;
  subject_type?: string | undefined;
  subject_id?: string | undefined;
  role?: string | undefined;
  metric?: string | undefined;
  period?: string | undefined;
  employee_id?: string | undefined;
  /** Inclusive lower and exclusive upper bound of `at`. */
  since?: Date | undefined;
  until?: Date | undefined;
  /** Only entries older than this id (the cursor of the next page). */
  before_id?: number | undefined;
  limit: number;
}

export const AUDIT_COLS =
  'id, at, actor, action, subject_type, subject_id, role_id, metric_id, period, employee_id, before, after, reason, detail';

const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));

const record = (r: AuditRecord): AuditRecord => ({ ...r, id: Number(r.id) });

export async function recordAudit(q: Queryable, e: AuditInput): Promise<AuditRecord> {
  const r = await q.query<AuditRecord>(
    `insert into audit_log (actor, action, subject_type, subject_id, role_id, metric_id, period, employee_id, before, after, reason, detail)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12::jsonb) returning ${AUDIT_COLS}`,
    [
      e.actor,
      e.action,
      e.subject.type,
      e.subject.id,
      e.role ?? null,
      e.metric ?? null,
      e.period ?? null,
      e.employeeId ?? null,
      json(e.before),
      json(e.after),
      e.reason ?? null,
      JSON.stringify(e.detail ?? {}),
    ],
  );
  return record(r.rows[0]!);
}

/** Newest first. */
export async function listAuditLog(q: Queryable, f: AuditFilter): Promise<AuditRecord[]> {
  const prefix = f.action?.endsWith('.') ? f.action : null;
  const exact = f.action && !prefix ? f.action : null;
  const r = await q.query<AuditRecord>(
    `select ${AUDIT_COLS} from audit_log
     where ($1::text is null or action = $1)
       and ($2::text is null or starts_with(action, $2))
       and ($3::text is null or actor = $3)
       and ($4::text is null or subject_type = $4)
       and ($5::text is null or subject_id = $5)
       and ($6::text is null or role_id = $6)
       and ($7::text is null or metric_id = $7)
       and ($8::text is null or period = $8)
       and ($9::text is null or employee_id = $9)
       and ($10::timestamptz is null or at >= $10)
       and ($11::timestamptz is null or at < $11)
       and ($12::bigint is null or id < $12)
     order by id desc limit $13`,
    [
      exact,
      prefix,
      f.actor ?? null,
      f.subject_type ?? null,
      f.subject_id ?? null,
      f.role ?? null,
      f.metric ?? null,
      f.period ?? null,
      f.employee_id ?? null,
      f.since ?? null,
      f.until ?? null,
      f.before_id ?? null,
      f.limit,
    ],
  );
  return r.rows.map(record);
}
