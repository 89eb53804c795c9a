/**
 * Targets across scopes: of a role (every metric with an active model, or one), of one person, and
 * the suggested target an override replaces (for the audit log). Called by src/services/targets.ts.
 */
import type { Queryable } from '../db/types.js';
import { NotFoundError } from '../lib/errors.js';
import type { Period } from '../history/period.js';
import { activeScopes } from './models.js';
import { ROLE_WIDE } from './overrides.js';
import type { ScopeKey } from './series.js';
import {
  assertRole,
  metricInfo,
  type PersonTarget,
  scopeTargets,
  type StoreLater,
  TargetError,
  type TargetsAnswer,
} from './targets.js';
import { roleOfEmployee } from './targets-store.js';

export interface Unavailable {
  metric: string;
  code: string;
  reason: string;
}

export interface RoleTargets {
  role: string;
  period: string;
  /** People in all metrics (after `below_floor`), the page's size and start: pages go by employee id. */
  total: number;
  limit: number;
  offset: number;
  /** Each metric's people of the page, by employee id; its summary is over everyone. */
  metrics: TargetsAnswer[];
  /** Metrics with an active model that could not be answered for this period, and why. */
  unavailable: Unavailable[];
}

/** A page of people: everyone of the role unless asked otherwise. */
export interface PeoplePage {
  limit: number;
  offset: number;
}

const byEmployeeId = (a: PersonTarget, b: PersonTarget) =>
  a.employee_id < b.employee_id ? -1 : a.employee_id > b.employee_id ? 1 : 0;

/**
 * The people of `metrics` whose ids fall in the page (ids sorted), each metric's people sorted by id; and the total.
 * Each metric's people are sorted once (a copy): the page's people of a metric are then the range of ids from
 * the page's first to its last, and a page holding every id takes them all.
 */
export function pagePeople(metrics: TargetsAnswer[], page: PeoplePage): { metrics: TargetsAnswer[]; total: number } {
  const sorted = metrics.map((m) => m.people.slice().sort(byEmployeeId));
  const ids =
    sorted.length === 1
      ? sorted[0]!.map((p) => p.employee_id).filter((id, i, all) => i === 0 || all[i - 1] !== id)
      : [...new Set(sorted.flatMap((people) => people.map((p) => p.employee_id)))].sort();
  const from = page.offset;
  const to = Math.min(ids.length, page.offset + page.limit);
  const first = ids[from];
  const last = ids[to - 1];
  const inPage = (people: PersonTarget[]): PersonTarget[] => {
    if (first === undefined || last === undefined || to <= from) return [];
    if (from === 0 && to === ids.length) return people;
    return people.filter((p) => p.employee_id >= first && p.employee_id <= last);
  };
  return { total: ids.length, metrics: metrics.map((m, k) => ({ ...m, people: inPage(sorted[k]!) })) };
}

async function scopesFor(db: Queryable, role: string, period: Period, metric?: string): Promise<ScopeKey[]> {
  if (metric) {
    await metricInfo(db, metric);
    return [{ role, metric, kind: period.kind }];
  }
  const scopes = await activeScopes(db, { role, kind: period.kind });
  if (scopes.length === 0)
    throw new TargetError(
      'no_model',
      `no active baseline model for role ${role} at ${period.kind}ly periods; train with POST /v1/baselines/train`,
    );
  return scopes;
}

async function collect(
  db: Queryable,
  scopes: ScopeKey[],
  period: Period,
  single: boolean,
  employeeId?: string,
  storeLater?: StoreLater,
): Promise<{ answers: TargetsAnswer[]; unavailable: Unavailable[] }> {
  const answers: TargetsAnswer[] = [];
  const unavailable: Unavailable[] = [];
  for (const key of scopes) {
    try {
      answers.push(await scopeTargets(db, key, period, { ...(employeeId ? { employeeId } : {}), storeLater }));
    } catch (err) {
      if (single || !(err instanceof TargetError)) throw err;
      unavailable.push({ metric: key.metric, code: err.code, reason: err.message });
    }
  }
  return { answers, unavailable };
}

/**
 * Targets of a role, a page of people at a time; `belowFloorOnly` keeps the people under the
 * warning line (the summary still counts everyone). `storeLater`: forecast sets computed now are
 * cached after the answer (targets.ts).
 */
export async function roleTargets(
  db: Queryable,
  role: string,
  period: Period,
  metric?: string,
  belowFloorOnly = false,
  page: PeoplePage = { limit: Number.MAX_SAFE_INTEGER, offset: 0 },
  storeLater?: StoreLater,
): Promise<RoleTargets> {
  await assertRole(db, role);
  const { answers, unavailable } = await collect(
    db,
    await scopesFor(db, role, period, metric),
    period,
    Boolean(metric),
    undefined,
    storeLater,
  );
  const filtered = belowFloorOnly
    ? answers.map((a) => ({ ...a, people: a.people.filter((p) => p.below_floor === true) }))
    : answers;
  const { metrics, total } = pagePeople(filtered, page);
  return { role, period: period.id, total, limit: page.limit, offset: page.offset, metrics, unavailable };
}

export interface PersonTargets {
  employee_id: string;
  role: string;
  period: string;
  metrics: (Omit<TargetsAnswer, 'people' | 'summary'> & { person: PersonTarget | null; note?: string })[];
  unavailable: Unavailable[];
}

export async function personTargets(
  db: Queryable,
  employeeId: string,
  period: Period,
  metric?: string,
  storeLater?: StoreLater,
): Promise<PersonTargets> {
  const role = await roleOfEmployee(db, employeeId);
  if (role === null) throw new NotFoundError(`employee ${employeeId}`);
  const { answers, unavailable } = await collect(
    db,
    await scopesFor(db, role, period, metric),
    period,
    Boolean(metric),
    employeeId,
    storeLater,
  );
  return {
    employee_id: employeeId,
    role,
    period: period.id,
    metrics: answers.map(({ people, summary: _summary, ...rest }) => ({
      ...rest,
      person: people[0] ?? null,
      ...(people[0]
        ? {}
        : {
            note: `no target: no value of ${rest.metric} in the last periods before ${period.id} (left the role, or a long gap)`,
          }),
    })),
    unavailable,
  };
}

/** The suggested target an override replaces (median over the role for a role-wide override); nulls when none can be computed. */
export async function suggestedFor(
  db: Queryable,
  key: ScopeKey,
  period: Period,
  employeeId: string,
): Promise<{ suggested: number | null; modelVersion: string | null }> {
  try {
    const a = await scopeTargets(db, key, period, employeeId === ROLE_WIDE ? {} : { employeeId });
    const suggested = employeeId === ROLE_WIDE ? a.summary.median.target : (a.people[0]?.suggested_target ?? null);
    return { suggested, modelVersion: a.model_version };
  } catch (err) {
    if (err instanceof TargetError) return { suggested: null, modelVersion: null };
    throw err;
  }
}
