/**
 * Reads of closed periods: the answers of the KPI inputs, targets and ratings of a closed role and
 * period come from its snapshot (filtered and paged as the live reads are), marked `closed` with the
 * version, who and when; a read over several roles (no role filter) takes the closed roles' people
 * from their snapshots and the others live. And the differences between a snapshot and what the data
 * answers now (what a recompute would have changed there).
 */
import type { Queryable } from '../db/types.js';
import { DomainError } from '../lib/errors.js';
import { type Rating, type RatingSort, sortValue } from '../ratings/rating.js';
import type { PersonTargets, RoleTargets } from '../kpi/role-targets.js';
import { pagePeople } from '../kpi/role-targets.js';
import { closedOfPeriod, type SnapshotMeta, type SnapshotPart, snapshotPart } from './store.js';

/** How a closed answer is marked. */
export interface ClosedMark {
  role: string;
  version: number;
  closed_by: string | null;
  closed_at: string;
}

export const mark = (s: SnapshotMeta): ClosedMark => ({
  role: s.role_id,
  version: s.version,
  closed_by: s.closed_by,
  closed_at: new Date(s.closed_at).toISOString(),
});

/** The closed snapshots of a period with one frozen part each, parsed. */
export async function closedParts<T>(
  q: Queryable,
  period: string,
  part: SnapshotPart,
  role?: string,
): Promise<{ meta: SnapshotMeta; answer: T }[]> {
  const metas = (await closedOfPeriod(q, period)).filter((m) => role === undefined || m.role_id === role);
  const out: { meta: SnapshotMeta; answer: T }[] = [];
  for (const meta of metas) {
    const text = await snapshotPart(q, meta.role_id, meta.period, meta.version, part);
    if (text !== null) out.push({ meta, answer: JSON.parse(text) as T });
  }
  return out;
}

interface HasPeople<P> {
  total: number;
  limit: number;
  offset: number;
  people: P[];
}

/**
 * KPI inputs with closed roles answered from their snapshots. `live` is called (everyone, unpaged)
 * only when a role not closed is asked for.
 */
export async function inputsWithClosed<P extends { employee_id: string; role: string }, A extends HasPeople<P>>(
  closed: { meta: SnapshotMeta; answer: A }[],
  f: { role?: string | undefined; employeeId?: string | undefined },
  page: { limit: number; offset: number } | undefined,
  live: () => Promise<A>,
): Promise<A & { closed?: ClosedMark; closed_roles?: ClosedMark[] }> {
  const lim = page ?? { limit: Number.MAX_SAFE_INTEGER, offset: 0 };
  const one = f.role !== undefined ? closed.find((c) => c.meta.role_id === f.role) : undefined;
  const pick = (people: P[]) =>
    people
      .filter((p) => f.employeeId === undefined || p.employee_id === f.employeeId)
      .sort((a, b) => (a.employee_id < b.employee_id ? -1 : a.employee_id > b.employee_id ? 1 : 0));
  if (one) {
    const people = pick(one.answer.people);
    return {
      ...one.answer,
      total: people.length,
      limit: lim.limit,
      offset: lim.offset,
      people: people.slice(lim.offset, lim.offset + lim.limit),
      closed: mark(one.meta),
    };
  }
  const base = await live();
  const roles = new Set(closed.map((c) => c.meta.role_id));
  const people = pick([...base.people.filter((p) => !roles.has(p.role)), ...closed.flatMap((c) => c.answer.people)]);
  return {
    ...base,
    total: people.length,
    limit: lim.limit,
    offset: lim.offset,
    people: people.slice(lim.offset, lim.offset + lim.limit),
    closed_roles: closed.map((c) => mark(c.meta)),
  };
}

/** A targets answer frozen as the problem it was (no model for the period's kind, …). */
export type FrozenTargets = RoleTargets | { problem: { code: string; message: string } };

/** Throws the problem a targets snapshot froze (the read answers as it did at close). */
function answerable(snap: FrozenTargets): RoleTargets {
  if ('problem' in snap) {
    const { code, message, ...extra } = snap.problem;
    throw new DomainError(code, message, extra);
  }
  return snap;
}

/** A role's targets from its snapshot, filtered and paged as roleTargets does. */
export function targetsFromSnapshot(
  frozen: FrozenTargets,
  meta: SnapshotMeta,
  q: { metric?: string | undefined; belowFloorOnly: boolean; limit: number; offset: number },
): RoleTargets & { closed: ClosedMark } {
  const snap = answerable(frozen);
  const metrics = snap.metrics.filter((m) => q.metric === undefined || m.metric === q.metric);
  const filtered = q.belowFloorOnly
    ? metrics.map((a) => ({ ...a, people: a.people.filter((p) => p.below_floor === true) }))
    : metrics;
  const paged = pagePeople(filtered, q);
  return {
    ...snap,
    total: paged.total,
    limit: q.limit,
    offset: q.offset,
    metrics: paged.metrics,
    unavailable: snap.unavailable.filter((u) => q.metric === undefined || u.metric === q.metric),
    closed: mark(meta),
  };
}

/** One person's targets from their role's snapshot. */
export function personFromSnapshot(
  frozen: FrozenTargets,
  meta: SnapshotMeta,
  employeeId: string,
  metric?: string,
): PersonTargets & { closed: ClosedMark } {
  const snap = answerable(frozen);
  return {
    employee_id: employeeId,
    role: snap.role,
    period: snap.period,
    metrics: snap.metrics
      .filter((m) => metric === undefined || m.metric === metric)
      .map(({ people, summary: _summary, ...rest }) => {
        const person = people.find((p) => p.employee_id === employeeId) ?? null;
        return {
          ...rest,
          person,
          ...(person ? {} : { note: `no target for ${employeeId} in the closed snapshot of ${snap.period}` }),
        };
      }),
    unavailable: snap.unavailable.filter((u) => metric === undefined || u.metric === metric),
    closed: mark(meta),
  };
}

export interface RatingsQuery {
  period: string;
  role?: string | undefined;
  team?: string | undefined;
  evidence?: 'all' | 'sufficient' | 'insufficient' | undefined;
  sort?: RatingSort | undefined;
  order?: 'asc' | 'desc' | undefined;
  limit: number;
  offset: number;
}

type RatingsPage = { period: string; total: number; items: Rating[] };

/** Ratings with closed roles from their snapshots; `live` answers the other roles (everyone, unpaged). */
export async function ratingsWithClosed(
  closed: { meta: SnapshotMeta; answer: RatingsPage }[],
  q: RatingsQuery,
  live: () => Promise<RatingsPage>,
): Promise<RatingsPage & { closed?: ClosedMark; closed_roles?: ClosedMark[] }> {
  const one = q.role !== undefined ? closed.find((c) => c.meta.role_id === q.role) : undefined;
  const roles = new Set(closed.map((c) => c.meta.role_id));
  const others = one ? [] : (await live()).items.filter((r) => !roles.has(r.role_id));
  const evidence = q.evidence ?? 'all';
  const sort = q.sort ?? 'score';
  const dir = (q.order ?? 'desc') === 'asc' ? 1 : -1;
  const all = [...others, ...(one ? one.answer.items : closed.flatMap((c) => c.answer.items))]
    .filter((r) => q.role === undefined || r.role_id === q.role)
    .filter((r) => q.team === undefined || r.team === q.team)
    .filter((r) => evidence === 'all' || r.insufficient_evidence === (evidence === 'insufficient'))
    .sort((a, b) => {
      const [x, y] = [sortValue(a, sort), sortValue(b, sort)];
      if (x === y) return a.agent_id < b.agent_id ? -1 : 1;
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * dir;
    });
  return {
    period: q.period,
    total: all.length,
    items: all.slice(q.offset, q.offset + q.limit),
    ...(one ? { closed: mark(one.meta) } : { closed_roles: closed.map((c) => mark(c.meta)) }),
  };
}

/** One value that differs between a snapshot and the data now. */
export interface Difference {
  part: SnapshotPart;
  /** Where, e.g. `people[E0003].metrics[csat].target`. */
  path: string;
  closed: unknown;
  now: unknown;
}

const KEYS = ['employee_id', 'agent_id', 'metric', 'scope', 'id'] as const;

function flatten(v: unknown, path: string, out: Map<string, unknown>): void {
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      const key =
        x !== null && typeof x === 'object' && !Array.isArray(x)
          ? KEYS.map((k) => (x as Record<string, unknown>)[k]).find((k) => typeof k === 'string')
          : undefined;
      flatten(x, `${path}[${key ?? i}]`, out);
    });
    if (v.length === 0) out.set(path, '[]');
  } else if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    for (const [k, x] of entries) flatten(x, path ? `${path}.${k}` : k, out);
    if (entries.length === 0) out.set(path, '{}');
  } else out.set(path, v);
}

/** Every leaf value of `closed` and `now` that differs (added or gone ones included), in path order. */
export function differences(part: SnapshotPart, closed: unknown, now: unknown): Difference[] {
  const [a, b] = [new Map<string, unknown>(), new Map<string, unknown>()];
  flatten(closed, '', a);
  flatten(now, '', b);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  const out: Difference[] = [];
  for (const path of paths) {
    const [x, y] = [a.has(path) ? a.get(path) : null, b.has(path) ? b.get(path) : null];
    if (x !== y) out.push({ part, path, closed: x ?? null, now: y ?? null });
  }
  return out;
}
