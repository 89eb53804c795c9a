/**
 * Weight profiles of the indicator groups (percent, summing to 100). A period's profile is the
 * one HR pinned to it, else the calendar's: 'promotion' for promotion periods, 'ordinary' for
 * periods overlapping an ordinary-profile event (Spring Festival), else 'default'.
 */
import type { Queryable } from '../db/types.js';
import { DomainError, NotFoundError } from '../lib/errors.js';
import type { IndicatorGroup } from '../history/catalogue.js';
import type { Period } from '../history/period.js';
import { listEvents } from './calendar.js';
import { calendarProfile } from './cycles.js';

export type Weights = Record<IndicatorGroup, number>;

export interface WeightProfile extends Weights {
  id: string;
  name: string;
  updated_by: string | null;
  updated_at: Date;
}

export const DEFAULT_WEIGHTS: Readonly<Record<'default' | 'promotion' | 'ordinary', Weights>> = {
  default: { sales: 40, efficiency: 30, customer_experience: 20, innovation: 10 },
  promotion: { sales: 50, efficiency: 25, customer_experience: 15, innovation: 10 },
  ordinary: { sales: 35, efficiency: 30, customer_experience: 25, innovation: 10 },
};

const COLS = 'id, name, sales, efficiency, customer_experience, innovation, updated_by, updated_at';

/** Weights that are negative or do not sum to 100 (code bad_weights). */
export class WeightError extends DomainError {
  constructor(message: string) {
    super('bad_weights', message);
  }
}

export async function listProfiles(db: Queryable): Promise<WeightProfile[]> {
  return (await db.query<WeightProfile>(`select ${COLS} from weight_profiles order by id`)).rows;
}

export async function getProfile(db: Queryable, id: string): Promise<WeightProfile> {
  const p = (await db.query<WeightProfile>(`select ${COLS} from weight_profiles where id = $1`, [id])).rows[0];
  if (!p) throw new NotFoundError(`weight profile ${id}`);
  return p;
}

/** Creates or edits a profile; weights must be non-negative and sum to 100. */
export async function upsertProfile(
  db: Queryable,
  p: Weights & { id: string; name: string },
  actor: string | null,
): Promise<WeightProfile> {
  const w = [p.sales, p.efficiency, p.customer_experience, p.innovation];
  if (w.some((v) => !(v >= 0))) throw new WeightError('weights must be non-negative numbers');
  const sum = w.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 100) >= 0.01) throw new WeightError(`weights must sum to 100 (got ${sum})`);
  const r = await db.query<WeightProfile>(
    `insert into weight_profiles (id, name, sales, efficiency, customer_experience, innovation, updated_by) values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (id) do update set name = excluded.name, sales = excluded.sales, efficiency = excluded.efficiency,
       customer_experience = excluded.customer_experience, innovation = excluded.innovation, updated_by = excluded.updated_by, updated_at = now()
     returning ${COLS}`,
    [p.id, p.name, p.sales, p.efficiency, p.customer_experience, p.innovation, actor],
  );
  return r.rows[0]!;
}

/** Pins a profile to a period (null removes the pin, back to the calendar's choice). */
export async function pinProfile(
  db: Queryable,
  period: string,
  profileId: string | null,
  actor: string | null,
): Promise<void> {
  if (profileId === null) {
    await db.query('delete from weight_profile_periods where period = $1', [period]);
    return;
  }
  await getProfile(db, profileId);
  await db.query(
    `insert into weight_profile_periods (period, profile_id, set_by) values ($1, $2, $3)
     on conflict (period) do update set profile_id = excluded.profile_id, set_by = excluded.set_by, set_at = now()`,
    [period, profileId, actor],
  );
}

export interface PeriodProfile {
  period: string;
  profile: WeightProfile;
  /** Why this profile: pinned by HR, or the calendar's choice. */
  chosen_by: 'pinned' | 'calendar';
}

export async function profileForPeriod(db: Queryable, p: Period): Promise<PeriodProfile> {
  const pinned = (
    await db.query<{ profile_id: string }>('select profile_id from weight_profile_periods where period = $1', [p.id])
  ).rows[0];
  if (pinned) return { period: p.id, profile: await getProfile(db, pinned.profile_id), chosen_by: 'pinned' };
  const events = await listEvents(db, { from: p.start, to: p.end });
  const id = calendarProfile(p, events);
  const found = (await db.query<WeightProfile>(`select ${COLS} from weight_profiles where id = $1`, [id])).rows[0];
  const profile = found ?? { id, name: id, ...DEFAULT_WEIGHTS[id], updated_by: null, updated_at: new Date(0) };
  return { period: p.id, profile, chosen_by: 'calendar' };
}

/**
 * Weighted mean of group scores over the groups that have one; weights renormalised over them.
 * Null when no group has a score.
 * @example composite({ sales: 80, efficiency: null, customer_experience: 60, innovation: null }, DEFAULT_WEIGHTS.default) // (40·80 + 20·60) / 60
 */
export function composite(scores: Record<IndicatorGroup, number | null>, w: Weights): number | null {
  let num = 0;
  let den = 0;
  for (const g of Object.keys(w) as IndicatorGroup[]) {
    const s = scores[g];
    if (s === null || s === undefined || !Number.isFinite(s) || w[g] <= 0) continue;
    num += w[g] * s;
    den += w[g];
  }
  return den > 0 ? num / den : null;
}
