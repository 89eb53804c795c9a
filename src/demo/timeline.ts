/**
 * The generation window and its daily business climate: demand (a multiplier around 1 that
 * carries yearly seasonality and promotion peaks), operational stress, and logistics strain.
 * Weeks, months and quarters are views over the same days, which is what keeps the
 * weekly and monthly numbers consistent.
 */
import { periodOf } from '../history/period.js';
import { eventKey, type CalendarEvent } from './calendar.js';
import { DAY_MS } from '../lib/time.js';

export { DAY_MS };

/** Days since 1970-01-01 (UTC) of a `YYYY-MM-DD` date. */
export function dayNumber(iso: string): number {
  const t = Date.parse(`${iso}T00:00:00Z`);
  if (Number.isNaN(t)) throw new RangeError(`not a date: ${iso}`);
  return Math.round(t / DAY_MS);
}

export function isoOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** A UTC timestamp as ISO 8601 to the second (`2026-11-22T13:11:54Z`), as the demo's rows carry it. */
export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The end of the window's last day in China time (UTC+8), in ms: nothing the demo writes happens after it. */
export const windowEndMs = (tl: Pick<Timeline, 'endDay'>): number => (tl.endDay + 1) * DAY_MS - 8 * 3_600_000;

/** How an event moves demand on the days it covers. */
export interface DemandEffect {
  /** Multiplier on every day of the event. */
  uplift: number;
  /** `MM-DD` → multiplier replacing `uplift` on that day (the big payment days). */
  peaks?: Readonly<Record<string, number>>;
  /** Post-event hangover: `days` after the event at `factor`. */
  after?: { days: number; factor: number };
  /** Extra logistics strain (couriers off, backlog), 0–1. */
  logistics?: number;
}

/** Demand shapes by event key; unknown promotions get `GENERIC_PROMOTION`, unknown holidays `GENERIC_HOLIDAY`. */
export const DEMAND_EFFECTS: Readonly<Record<string, DemandEffect>> = {
  '38': { uplift: 1.25, peaks: { '03-08': 2.0 } },
  '618-presale': { uplift: 1.3 },
  '618': { uplift: 1.45, peaks: { '06-01': 2.0, '06-18': 3.5 }, after: { days: 5, factor: 0.85 } },
  '99': { uplift: 1.8 },
  'double11-presale': { uplift: 1.3 },
  double11: { uplift: 1.7, peaks: { '11-01': 3.0, '11-11': 14 }, after: { days: 7, factor: 0.85 } },
  double12: { uplift: 1.6, peaks: { '12-12': 2.5 } },
  'spring-festival': { uplift: 0.55, logistics: 0.9 },
};
export const GENERIC_PROMOTION: DemandEffect = { uplift: 1.4 };
export const GENERIC_HOLIDAY: DemandEffect = { uplift: 0.7, logistics: 0.5 };

/** Gentle yearly wave: highest in mid-November, lowest in mid-May (±6 %). */
export function seasonal(dayOfYear: number): number {
  return 1 + 0.06 * Math.cos((2 * Math.PI * (dayOfYear - 320)) / 365.25);
}

export interface WeekSlot {
  id: string;
  /** Offset of the Monday from the window start. */
  first: number;
  /** Mean daily demand, stress and logistics strain over the 7 days. */
  demand: number;
  stress: number;
  logistics: number;
  /** Years from the window start to the middle of the week. */
  t: number;
}

export interface MonthSlot {
  id: string;
  first: number;
  last: number;
  /** Weeks overlapping the month and how many of their days fall in it. */
  parts: { week: number; days: number }[];
  t: number;
}

export interface QuarterSlot {
  id: string;
  first: number;
  last: number;
  demand: number;
  stress: number;
  t: number;
}

export interface Timeline {
  /** Day number of the first Monday and of the last Sunday (inclusive). */
  startDay: number;
  endDay: number;
  demand: Float64Array;
  stress: Float64Array;
  logistics: Float64Array;
  weeks: WeekSlot[];
  /** Calendar months wholly inside the window. */
  months: MonthSlot[];
  /** Calendar quarters wholly inside the window. */
  quarters: QuarterSlot[];
}

/**
 * Window of `years` years of whole ISO weeks ending on the last Sunday on or before `endDate`.
 * @throws RangeError on a bad date or a non-positive `years`
 */
export function buildTimeline(endDate: string, years: number, events: readonly CalendarEvent[]): Timeline {
  if (!(years > 0)) throw new RangeError(`years must be positive, got ${years}`);
  const endRaw = dayNumber(endDate);
  const dowEnd = (new Date(endRaw * DAY_MS).getUTCDay() + 6) % 7; // Monday = 0
  const endDay = endRaw - ((dowEnd + 1) % 7); // last Sunday on or before
  const e = new Date(endDay * DAY_MS);
  const back = Date.UTC(e.getUTCFullYear() - Math.floor(years), e.getUTCMonth(), e.getUTCDate()) / DAY_MS;
  const fromDay = Math.round(back - (years % 1) * 365.25) + 1;
  const dowFrom = (new Date(fromDay * DAY_MS).getUTCDay() + 6) % 7;
  const startDay = fromDay + ((7 - dowFrom) % 7); // first Monday on or after
  const n = endDay - startDay + 1;
  if (n < 7) throw new RangeError('window shorter than a week');

  const demand = new Float64Array(n);
  const stress = new Float64Array(n);
  const logistics = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = new Date((startDay + i) * DAY_MS);
    const doy =
      (Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY_MS;
    demand[i] = seasonal(doy);
  }
  for (const ev of events) {
    const effect = DEMAND_EFFECTS[eventKey(ev)] ?? (ev.kind === 'holiday' ? GENERIC_HOLIDAY : GENERIC_PROMOTION);
    const a = dayNumber(ev.starts_on);
    const b = dayNumber(ev.ends_on);
    for (let day = a; day <= b + (effect.after?.days ?? 0); day++) {
      const i = day - startDay;
      if (i < 0 || i >= n) continue;
      if (day > b) {
        demand[i] = (demand[i] as number) * effect.after!.factor;
        continue;
      }
      const peak = effect.peaks?.[isoOfDay(day).slice(5)];
      demand[i] = (demand[i] as number) * (peak ?? effect.uplift);
      if (effect.logistics) logistics[i] = (logistics[i] as number) + effect.logistics;
    }
  }
  for (let i = 0; i < n; i++) {
    const s = Math.max(0, Math.log(demand[i] as number));
    stress[i] = s;
    logistics[i] = (logistics[i] as number) + s;
  }

  const weeks: WeekSlot[] = [];
  for (let first = 0; first + 6 < n; first += 7) {
    let dm = 0;
    let st = 0;
    let lg = 0;
    for (let i = first; i < first + 7; i++) {
      dm += demand[i] as number;
      st += stress[i] as number;
      lg += logistics[i] as number;
    }
    const id = periodOf(new Date((startDay + first) * DAY_MS), 'week').id;
    weeks.push({ id, first, demand: dm / 7, stress: st / 7, logistics: lg / 7, t: (first + 3.5) / 365.25 });
  }

  const months: MonthSlot[] = [];
  const quarters: QuarterSlot[] = [];
  const monthOf = new Map<string, { first: number; last: number }>();
  const quarterOf = new Map<string, { first: number; last: number }>();
  for (let i = 0; i < n; i++) {
    const d = new Date((startDay + i) * DAY_MS);
    for (const [map, kind] of [
      [monthOf, 'month'],
      [quarterOf, 'quarter'],
    ] as const) {
      const p = periodOf(d, kind);
      const cur = map.get(p.id);
      if (cur) cur.last = i;
      else map.set(p.id, { first: i, last: i });
    }
  }
  for (const [id, r] of monthOf) {
    const len = new Date(Date.UTC(Number(id.slice(0, 4)), Number(id.slice(5, 7)), 0)).getUTCDate();
    if (r.last - r.first + 1 !== len) continue;
    const parts: { week: number; days: number }[] = [];
    for (let w = Math.floor(r.first / 7); w <= Math.floor(r.last / 7); w++) {
      const days = Math.min(r.last, w * 7 + 6) - Math.max(r.first, w * 7) + 1;
      parts.push({ week: w, days });
    }
    months.push({ id, first: r.first, last: r.last, parts, t: (r.first + r.last) / 2 / 365.25 });
  }
  for (const [id, r] of quarterOf) {
    const q = Number(id.slice(6));
    const y = Number(id.slice(0, 4));
    const len = (Date.UTC(y, q * 3, 1) - Date.UTC(y, (q - 1) * 3, 1)) / DAY_MS;
    if (r.last - r.first + 1 !== len) continue;
    let dm = 0;
    let st = 0;
    for (let i = r.first; i <= r.last; i++) {
      dm += demand[i] as number;
      st += stress[i] as number;
    }
    quarters.push({
      id,
      first: r.first,
      last: r.last,
      demand: dm / len,
      stress: st / len,
      t: (r.first + r.last) / 2 / 365.25,
    });
  }
  return { startDay, endDay, demand, stress, logistics, weeks, months, quarters };
}
