/**
 * Appraisal periods: ISO week `2026-W07`, month `2026-03`, quarter `2026-Q1`.
 * Pure functions; dates are UTC calendar dates formatted `YYYY-MM-DD`.
 */
import { DAY_MS } from '../lib/time.js';

export type PeriodKind = 'week' | 'month' | 'quarter';

export interface Period {
  /** Canonical text form, e.g. `2026-W07`. */
  id: string;
  kind: PeriodKind;
  year: number;
  /** Week 1–53, month 1–12 or quarter 1–4. */
  index: number;
  /** First day, inclusive (`YYYY-MM-DD`). */
  start: string;
  /** Last day, inclusive (`YYYY-MM-DD`). */
  end: string;
}

// years 1000–9999: four digits that read as the year they say (Date.UTC maps 0–99 to 1900–1999)
const WEEK = /^([1-9]\d{3})-W(\d{2})$/;
const MONTH = /^([1-9]\d{3})-(\d{2})$/;
const QUARTER = /^([1-9]\d{3})-Q([1-4])$/;

export function toIsoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function utc(year: number, month0: number, day: number): Date {
  return new Date(Date.UTC(year, month0, day));
}

/** Monday of ISO week 1 of `year`. */
function isoWeekOneMonday(year: number): Date {
  const jan4 = utc(year, 0, 4);
  const dow = (jan4.getUTCDay() + 6) % 7; // Monday = 0
  return new Date(jan4.getTime() - dow * DAY_MS);
}

/** Number of ISO weeks in `year` (52 or 53). */
export function isoWeeksInYear(year: number): number {
  const next = isoWeekOneMonday(year + 1).getTime();
  return Math.round((next - isoWeekOneMonday(year).getTime()) / (7 * DAY_MS));
}

const cache = new Map<string, Readonly<Period> | null>();

/**
 * Parses a period id. Returns null when the text is not a valid period
 * (bad shape, week 54, month 13, …). Results are memoised (bulk imports repeat the same few
 * hundred periods) and frozen.
 * @example parsePeriod('2026-W07')?.start === '2026-02-09'
 */
export function parsePeriod(text: string): Readonly<Period> | null {
  let p = cache.get(text);
  if (p === undefined) {
    if (cache.size >= 50_000) cache.clear();
    p = parseUncached(text);
    cache.set(text, p ? Object.freeze(p) : null);
  }
  return p;
}

function parseUncached(text: string): Period | null {
  let m = WEEK.exec(text);
  if (m) {
    const year = Number(m[1]);
    const week = Number(m[2]);
    if (week < 1 || week > isoWeeksInYear(year)) return null;
    const start = new Date(isoWeekOneMonday(year).getTime() + (week - 1) * 7 * DAY_MS);
    return {
      id: text,
      kind: 'week',
      year,
      index: week,
      start: toIsoDate(start),
      end: toIsoDate(new Date(start.getTime() + 6 * DAY_MS)),
    };
  }
  m = MONTH.exec(text);
  if (m) {
    const year = Number(m[1]);
    const month = Number(m[2]);
    if (month < 1 || month > 12) return null;
    return {
      id: text,
      kind: 'month',
      year,
      index: month,
      start: toIsoDate(utc(year, month - 1, 1)),
      end: toIsoDate(utc(year, month, 0)),
    };
  }
  m = QUARTER.exec(text);
  if (m) {
    const year = Number(m[1]);
    const q = Number(m[2]);
    return {
      id: text,
      kind: 'quarter',
      year,
      index: q,
      start: toIsoDate(utc(year, (q - 1) * 3, 1)),
      end: toIsoDate(utc(year, q * 3, 0)),
    };
  }
  return null;
}

/** Parses a `YYYY-MM-DD` (or `YYYYMMDD`) date strictly; null when it is not a real calendar date. */
export function parseDate(text: string): Date | null {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = utc(y, mo - 1, d);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return date;
}

/** The period of `kind` that contains `date`. */
export function periodOf(date: Date, kind: PeriodKind): Period {
  const y = date.getUTCFullYear();
  if (kind === 'month') return parsePeriod(`${y}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`)!;
  if (kind === 'quarter') return parsePeriod(`${y}-Q${Math.floor(date.getUTCMonth() / 3) + 1}`)!;
  // ISO week-numbering year: the Thursday of this week decides it
  const dow = (date.getUTCDay() + 6) % 7;
  const thursday = new Date(date.getTime() + (3 - dow) * DAY_MS);
  const wy = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - isoWeekOneMonday(wy).getTime()) / (7 * DAY_MS)) + 1;
  return parsePeriod(`${wy}-W${String(week).padStart(2, '0')}`)!;
}

/** The period `n` steps after `p` (negative n goes back). */
export function shiftPeriod(p: Period, n: number): Period {
  if (p.kind === 'week') {
    const start = new Date(Date.parse(`${p.start}T00:00:00Z`) + n * 7 * DAY_MS);
    return periodOf(start, 'week');
  }
  const per = p.kind === 'month' ? 12 : 4;
  const k = p.year * per + (p.index - 1) + n;
  const year = Math.floor(k / per);
  const index = (k % per) + 1;
  return parsePeriod(p.kind === 'month' ? `${year}-${String(index).padStart(2, '0')}` : `${year}-Q${index}`)!;
}

/** Periods per year for a kind (ISO weeks counted as 52). */
export function periodsPerYear(kind: PeriodKind): number {
  return kind === 'week' ? 52 : kind === 'month' ? 12 : 4;
}
