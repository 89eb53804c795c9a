/**
 * Business cycles: how much of a period is promotion time, which weight profile a period gets,
 * and the period grid of a scope. Pure functions over calendar events.
 */
import { parsePeriod, shiftPeriod, type Period, type PeriodKind } from '../history/period.js';
import type { CalendarEvent } from './calendar.js';
import { DAY_MS, parseYear } from '../lib/time.js';

/**
 * Promotion days a period needs to count as a promotion period (model feature and weight profile):
 * any day of a week, 5 days of a month, 14 days of a quarter. With the default calendar that makes
 * 618 and Double 11 months and quarters promotion periods, but not September for the one-day 99 sale.
 */
export const PROMOTION_MIN_DAYS: Readonly<Record<PeriodKind, number>> = { week: 1, month: 5, quarter: 14 };

const day = (iso: string): number => Math.round(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);

/** Days of `p` covered by events with the given profile (overlapping events counted once). */
export function coveredDays(
  p: Pick<Period, 'start' | 'end'>,
  events: readonly CalendarEvent[],
  profile: CalendarEvent['profile'],
): number {
  const a = day(p.start);
  const b = day(p.end);
  const covered = new Set<number>();
  for (const e of events) {
    if (e.profile !== profile) continue;
    const from = Math.max(a, day(e.starts_on));
    const to = Math.min(b, day(e.ends_on));
    for (let d = from; d <= to; d++) covered.add(d);
  }
  return covered.size;
}

/** True when the period holds at least PROMOTION_MIN_DAYS of promotion-profile events. */
export function isPromotionPeriod(p: Period, events: readonly CalendarEvent[]): boolean {
  return coveredDays(p, events, 'promotion') >= PROMOTION_MIN_DAYS[p.kind];
}

/**
 * The calendar's weight profile for a period: 'promotion' when it is a promotion period,
 * 'ordinary' when it overlaps an ordinary-profile event (e.g. the Spring Festival slow-down),
 * else 'default'.
 */
export function calendarProfile(p: Period, events: readonly CalendarEvent[]): 'promotion' | 'ordinary' | 'default' {
  if (isPromotionPeriod(p, events)) return 'promotion';
  if (coveredDays(p, events, 'ordinary') > 0) return 'ordinary';
  return 'default';
}

/** Periods from `first` to `last` inclusive (same kind), with a position lookup. */
export interface PeriodGrid {
  periods: Period[];
  pos: Map<string, number>;
}

export function periodGrid(first: Period, last: Period): PeriodGrid {
  const periods: Period[] = [];
  const pos = new Map<string, number>();
  for (let p: Period = first; p.start <= last.start; p = shiftPeriod(p, 1)) {
    pos.set(p.id, periods.length);
    periods.push(p);
    if (periods.length > 5000) throw new RangeError('period grid too long');
  }
  return { periods, pos };
}

/** Periods between a and b: 0 when equal, positive when b is later. */
export function periodDistance(a: Period, b: Period): number {
  if (a.kind === 'week') return Math.round((day(b.start) - day(a.start)) / 7);
  const per = a.kind === 'month' ? 12 : 4;
  return b.year * per + b.index - (a.year * per + a.index);
}

/** Calendar year of a period id `YYYY`, or null (src/lib/time.ts). */
export { parseYear };

export function quartersOf(year: number): Period[] {
  return [1, 2, 3, 4].map((q) => parsePeriod(`${year}-Q${q}`)!);
}

export function monthsOf(quarter: Period): Period[] {
  return [0, 1, 2].map(
    (i) => parsePeriod(`${quarter.year}-${String((quarter.index - 1) * 3 + 1 + i).padStart(2, '0')}`)!,
  );
}
