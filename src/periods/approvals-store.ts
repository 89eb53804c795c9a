/**
 * Override requests waiting for a second approver (maker–checker, migration 012): the request, the
 * approval that applies the override in the same transaction, and the rejection; each audited.
 */
import { recordAudit } from '../audit/store.js';
import type { Db, Queryable } from '../db/types.js';
import { ConflictError, DomainError, NotFoundError } from '../lib/errors.js';
import { type AuditEntry, lockOverride, type StoredOverride, setOverrideOn } from '../kpi/overrides.js';

export interface OverrideRequest {
  id: number;
  role_id: string;
  metric_id: string;
  period: string;
  employee_id: string;
  value: number;
  reason: string;
  suggested: number | null;
  model_version: string | null;
  /** Why it needs a second approver (the threshold it crosses, or role-wide). */
  why: string;
  state: 'pending' | 'approved' | 'rejected';
  requested_by: string | null;
  requested_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  decision_reason: string | null;
}

const COLS =
  'id, role_id, metric_id, period, employee_id, value, reason, suggested, model_version, why, state, requested_by, requested_at, decided_by, decided_at, decision_reason';

const shape = (r: OverrideRequest): OverrideRequest => ({ ...r, id: Number(r.id) });

const subject = (r: OverrideRequest) => ({ type: 'override_request', id: String(r.id) });
const coords = (r: OverrideRequest) => ({
  role: r.role_id,
  metric: r.metric_id,
  period: r.period,
  employeeId: r.employee_id,
});

export interface NewRequest {
  role: string;
  metric: string;
  period: string;
  employeeId: string;
  value: number;
  reason: string;
  suggested: number | null;
  modelVersion: string | null;
  why: string;
  actor: string | null;
}

/**
 * Files a request (audited `override_request.create`). The same pending request from the same key
 * (same override, value and reason) is answered again rather than filed twice: a retry is one request.
 */
export async function createRequest(db: Db, n: NewRequest): Promise<{ request: OverrideRequest; created: boolean }> {
  return db.transaction((tx) => createRequestOn(tx, n));
}

/** createRequest on a transaction the caller holds (an override import files its requests with its changes). */
export async function createRequestOn(
  tx: Queryable,
  n: NewRequest,
): Promise<{ request: OverrideRequest; created: boolean }> {
  await lockOverride(tx, n);
  const same = await tx.query<OverrideRequest>(
    `select ${COLS} from override_requests where state = 'pending' and role_id = $1 and metric_id = $2 and period = $3
       and employee_id = $4 and value = $5 and reason = $6 and requested_by is not distinct from $7 order by id limit 1`,
    [n.role, n.metric, n.period, n.employeeId, n.value, n.reason, n.actor],
  );
  if (same.rows[0]) return { request: shape(same.rows[0]), created: false };
  const r = await tx.query<OverrideRequest>(
    `insert into override_requests (role_id, metric_id, period, employee_id, value, reason, suggested, model_version, why, requested_by)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning ${COLS}`,
    [n.role, n.metric, n.period, n.employeeId, n.value, n.reason, n.suggested, n.modelVersion, n.why, n.actor],
  );
  const request = shape(r.rows[0]!);
  await recordAudit(tx, {
    actor: n.actor,
    action: 'override_request.create',
    subject: subject(request),
    ...coords(request),
    before: null,
    after: { state: 'pending', value: n.value },
    reason: n.reason,
    detail: { suggested: n.suggested, model_version: n.modelVersion, why: n.why },
  });
  return { request, created: true };
}

export async function listRequests(
  q: Queryable,
  f: { state?: OverrideRequest['state'] | undefined; role?: string | undefined; period?: string | undefined },
): Promise<OverrideRequest[]> {
  const r = await q.query<OverrideRequest>(
    `select ${COLS} from override_requests where ($1::text is null or state = $1) and ($2::text is null or role_id = $2)
       and ($3::text is null or period = $3) order by id`,
    [f.state ?? null, f.role ?? null, f.period ?? null],
  );
  return r.rows.map(shape);
}

export async function getRequest(q: Queryable, id: number): Promise<OverrideRequest> {
  const r = await q.query<OverrideRequest>(`select ${COLS} from override_requests where id = $1`, [id]);
  if (!r.rows[0]) throw new NotFoundError(`override request ${id}`);
  return shape(r.rows[0]);
}

/** A key may not decide on its own request (code self_approval, 403). */
export class SelfApprovalError extends DomainError {
  constructor() {
    super('self_approval', 'the key that requested this override cannot approve or reject it: a second HR key must');
  }
}

/**
 * Approves (applies the override, audited as `target_override.set` and `override_request.approve`) or
 * rejects (audited `override_request.reject`) a pending request, in one transaction. Deciding again
 * the same way answers the decided request (a retry); the other way is a conflict.
 */
export async function decideRequest(
  db: Db,
  id: number,
  decision: 'approved' | 'rejected',
  actor: string | null,
  reason: string | null,
  /** Refuses when the override's period is closed for its role (checked inside the transaction). */
  assertOpen: (tx: Queryable, r: OverrideRequest) => Promise<void>,
): Promise<{ request: OverrideRequest; override: StoredOverride | null; audit: AuditEntry | null }> {
  return db.transaction(async (tx) => {
    const cur = await tx.query<OverrideRequest>(`select ${COLS} from override_requests where id = $1 for update`, [id]);
    const r = cur.rows[0] ? shape(cur.rows[0]) : null;
    if (!r) throw new NotFoundError(`override request ${id}`);
    if (r.state !== 'pending') {
      if (r.state === decision && r.decided_by === actor) return { request: r, override: null, audit: null };
      throw new ConflictError(`override request ${id} is ${r.state} already`);
    }
    if (actor === null || r.requested_by === actor) throw new SelfApprovalError();
    let applied: { override: StoredOverride; audit: AuditEntry } | null = null;
    if (decision === 'approved') {
      await assertOpen(tx, r);
      applied = await setOverrideOn(tx, {
        ...coords(r),
        value: r.value,
        reason: r.reason,
        actor: r.requested_by,
        suggested: r.suggested,
        modelVersion: r.model_version,
      });
    }
    const u = await tx.query<OverrideRequest>(
      `update override_requests set state = $2, decided_by = $3, decided_at = now(), decision_reason = $4 where id = $1 returning ${COLS}`,
      [id, decision, actor, reason],
    );
    const request = shape(u.rows[0]!);
    await recordAudit(tx, {
      actor,
      action: decision === 'approved' ? 'override_request.approve' : 'override_request.reject',
      subject: subject(request),
      ...coords(request),
      before: { state: 'pending', value: r.value },
      after: { state: decision, value: r.value },
      reason,
      detail: { requested_by: r.requested_by, suggested: r.suggested, why: r.why },
    });
    return { request, override: applied?.override ?? null, audit: applied?.audit ?? null };
  });
}
