/**
 * The Chinese e-commerce business calendar: promotion windows and the Spring Festival slow-down.
 * Plain data, editable: the service seeds its business-calendar table from
 * `defaultPromotionCalendar`, and the demo generator shapes demand from the same events.
 */
import { DAY_MS } from '../lib/time.js';

export interface CalendarEvent {
  /** Stable id `<year>-<key>`, e.g. `2026-double11`. */
  id: string;
  name: string;
  kind: 'promotion' | 'holiday';
  /** `YYYY-MM-DD`, inclusive */
  starts_on: string;
  /** `YYYY-MM-DD`, inclusive */
  ends_on: string;
  /** Weight profile the appraisal applies to periods that overlap the event. */
  profile: 'promotion' | 'ordinary';
}

/**
 * Chinese New Year's Day (正月初一) by Gregorian year. Years outside this table get no
 * Spring Festival event; extend it when needed.
 */
export const CHINESE_NEW_YEAR: Readonly<Record<number, string>> = {
  2020: '2020-01-25',
  2021: '2021-02-12',
  2022: '2022-02-01',
  2023: '2023-01-22',
  2024: '2024-02-10',
  2025: '2025-01-29',
  2026: '2026-02-17',
  2027: '2027-02-06',
  2028: '2028-01-26',
  2029: '2029-02-13',
  2030: '2030-02-03',
};

/** Spring Festival slow-down: couriers and shops wind down ~a week before New Year's Day and restart ~a week after. */
export const SPRING_FESTIVAL_DAYS_BEFORE = 7;
export const SPRING_FESTIVAL_DAYS_AFTER = 7;

interface FixedWindow {
  key: string;
  name: string;
  /** `MM-DD` */
  from: string;
  /** `MM-DD` */
  to: string;
}

/**
 * Yearly promotion windows with fixed dates. Presale (定金/预售) phases are their own events so the
 * appraisal can weight them separately from the main sale.
 */
export const FIXED_PROMOTIONS: readonly FixedWindow[] = [
  { key: '38', name: '3.8 女王节 (Women’s Day sale)', from: '03-01', to: '03-08' },
  { key: '618-presale', name: '618 预售 (618 presale)', from: '05-26', to: '05-31' },
  { key: '618', name: '618 年中大促 (mid-year sale)', from: '06-01', to: '06-18' },
  { key: '99', name: '99 划算节 (9.9 sale)', from: '09-09', to: '09-09' },
  { key: 'double11-presale', name: '双11 预售 (Double 11 presale)', from: '10-20', to: '10-31' },
  { key: 'double11', name: '双11 (Double 11 / Singles’ Day)', from: '11-01', to: '11-11' },
  { key: 'double12', name: '双12 (Double 12)', from: '12-10', to: '12-12' },
];

function addDays(iso: string, n: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Promotion windows and Spring Festival for every year in `[fromYear, toYear]`, sorted by start date.
 * @throws RangeError when `fromYear > toYear`
 * @example defaultPromotionCalendar(2026, 2026).find((e) => e.id === '2026-double11')?.ends_on === '2026-11-11'
 */
export function defaultPromotionCalendar(fromYear: number, toYear: number): CalendarEvent[] {
  if (!Number.isInteger(fromYear) || !Number.isInteger(toYear) || fromYear > toYear) {
    throw new RangeError(`bad year range ${fromYear}..${toYear}`);
  }
  const events: CalendarEvent[] = [];
  for (let y = fromYear; y <= toYear; y++) {
    const cny = CHINESE_NEW_YEAR[y];
    if (cny) {
      events.push({
        id: `${y}-spring-festival`,
        name: '春节 (Spring Festival)',
        kind: 'holiday',
        starts_on: addDays(cny, -SPRING_FESTIVAL_DAYS_BEFORE),
        ends_on: addDays(cny, SPRING_FESTIVAL_DAYS_AFTER),
        profile: 'ordinary',
      });
    }
    for (const w of FIXED_PROMOTIONS) {
      events.push({
        id: `${y}-${w.key}`,
        name: w.name,
        kind: 'promotion',
        starts_on: `${y}-${w.from}`,
        ends_on: `${y}-${w.to}`,
        profile: 'promotion',
      });
    }
  }
  return events.sort((a, b) => (a.starts_on < b.starts_on ? -1 : a.starts_on > b.starts_on ? 1 : a.id < b.id ? -1 : 1));
}

/** The key part of an event id (`2026-double11` → `double11`). */
export function eventKey(event: CalendarEvent): string {
  const m = /^\d{4}-(.+)$/.exec(event.id);
  return m ? (m[1] as string) : event.id;
}
