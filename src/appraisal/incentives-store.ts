/**
 * Commission plans (immutable versions) and payout previews in the database, and the monthly service
 * ratings the star allowance looks back on.
 */
import { recordAudit } from '../audit/store.js';
import type { Queryable } from '../db/types.js';
import { shiftPeriod, parsePeriod } from '../history/period.js';
import { DomainError } from '../lib/errors.js';
import { listRatings } from '../ratings/index.js';
import type { MonthRating, PayoutPreview } from './incentives.js';
import type { planSchema } from './incentive-plan.js';
import type { z } from 'zod';

/** A plan as HR declared it, defaults filled in (what is stored and shown). */
export type DeclaredPlan = z.output<typeof planSchema>;

export interface StoredPlan {
  id: string;
  version: number;
  role: string;
  effective_from: string;
  plan: DeclaredPlan;
  actor: string | null;
  created_at: Date;
}

const PLAN_COLUMNS = 'id, version, role_id as role, effective_from, plan, actor, created_at';

/** Canonical JSON (sorted keys), for comparing a repeated version with the stored one. */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : x,
  );

/**
 * Stores a plan version. The same version again with the same content is a retry (`created: false`);
 * with other content it is refused (`conflict`): versions never change, a change is a new version.
 */
export async function savePlan(
  db: Queryable,
  plan: DeclaredPlan,
  actor: string | null,
): Promise<{ plan: StoredPlan; created: boolean }> {
  const role = await db.query('select 1 from roles where id = $1', [plan.role]);
  if (role.rows.length === 0)
    throw new DomainError('invalid_plan', `unknown role '${plan.role}'`, {
      errors: [{ field: 'role', reason: `unknown role '${plan.role}' (declare it with PUT /v1/roles/{id})` }],
    });
  const ins = await db.query<StoredPlan>(
    `insert into incentive_plans (id, version, role_id, effective_from, plan, actor) values ($1, $2, $3, $4, $5::jsonb, $6)
     on conflict (id, version) do nothing returning ${PLAN_COLUMNS}`,
    [plan.id, plan.version, plan.role, plan.effective_from, JSON.stringify(plan), actor],
  );
  if (ins.rows[0]) {
    await recordAudit(db, {
      actor,
      action: 'incentive_plan.save',
      subject: { type: 'incentive_plan', id: `${plan.id}@${plan.version}` },
      role: plan.role,
      period: plan.effective_from,
      after: plan,
      detail: { version: plan.version },
    });
    return { plan: ins.rows[0], created: true };
  }
  const stored = (await getPlan(db, plan.id, plan.version))!;
  if (canonical(stored.plan) !== canonical(plan))
    throw new DomainError(
      'conflict',
      `plan '${plan.id}' version ${plan.version} exists with other content; versions never change: save it as version ${(await latestVersion(db, plan.id)) + 1}`,
      { field: 'version' },
    );
  return { plan: stored, created: false };
}

async function latestVersion(db: Queryable, id: string): Promise<number> {
  const r = await db.query<{ v: number }>(`select max(version)::int8 as v from incentive_plans where id = $1`, [id]);
  return r.rows[0]?.v ?? 0;
}

export async function getPlan(db: Queryable, id: string, version?: number): Promise<StoredPlan | null> {
  const r = await db.query<StoredPlan>(
    `select ${PLAN_COLUMNS} from incentive_plans where id = $1 and ($2::int is null or version = $2) order by version desc limit 1`,
    [id, version ?? null],
  );
  return r.rows[0] ?? null;
}

export async function listPlans(db: Queryable, q: { role?: string | undefined }): Promise<StoredPlan[]> {
  const r = await db.query<StoredPlan>(
    `select ${PLAN_COLUMNS} from incentive_plans where ($1::text is null or role_id = $1) order by role_id, effective_from, id, version`,
    [q.role ?? null],
  );
  return r.rows;
}

/**
 * Monthly service ratings of the `months` months up to and including `lastMonth`, per agent (for the
 * star allowance).
 */
export async function monthlyRatings(
  db: Queryable,
  lastMonth: string,
  months: number,
): Promise<Map<string, MonthRating[]>> {
  const last = parsePeriod(lastMonth)!;
  const out = new Map<string, MonthRating[]>();
  for (let i = months - 1; i >= 0; i--) {
    const m = shiftPeriod(last, -i).id;
    const { items } = await listRatings(db, { period: m, limit: 1_000_000, offset: 0 });
    for (const r of items)
      out.set(r.agent_id, [
        ...(out.get(r.agent_id) ?? []),
        { period: m, stars: r.stars, insufficient_evidence: r.insufficient_evidence },
      ]);
  }
  return out;
}

export interface StoredPreview {
  id: string;
  period: string;
  request: unknown;
  result: PayoutPreview;
  actor: string | null;
  created_at: Date;
}

export async function savePreview(
  db: Queryable,
  p: { id: string; period: string; request: unknown; result: PayoutPreview; actor: string | null },
): Promise<StoredPreview> {
  const r = await db.query<StoredPreview>(
    `insert into payout_previews (id, period, request, result, actor) values ($1, $2, $3::jsonb, $4::jsonb, $5)
     returning id, period, request, result, actor, created_at`,
    [p.id, p.period, JSON.stringify(p.request), JSON.stringify(p.result), p.actor],
  );
  await recordAudit(db, {
    actor: p.actor,
    action: 'payout_preview.create',
    subject: { type: 'payout_preview', id: p.id },
    period: p.period,
    role: (p.request as { role?: string } | null)?.role ?? null,
    after: { request: p.request },
    detail: {
      people: p.result.payouts.length,
      total_cents: p.result.payouts.reduce((s, x) => s + x.total_cents, 0),
    },
  });
  return r.rows[0]!;
}

export async function getPreview(db: Queryable, id: string): Promise<StoredPreview | null> {
  const r = await db.query<StoredPreview>(
    `select id, period, request, result, actor, created_at from payout_previews where id = $1`,
    [id],
  );
  return r.rows[0] ?? null;
}
