/** Time constants and the period ids that are not a week, month or quarter (those live in src/history/period.ts). */

/** Milliseconds in a UTC day (every date here is a UTC calendar date: no daylight saving). */
export const DAY_MS = 86_400_000;

/** Years 1000–9999, as the periods (src/history/period.ts). */
const YEAR = /^[1-9]\d{3}$/;

/**
 * The calendar year of a period id written as a year (`2026`), or null for anything else.
 * @example parseYear('2026') // 2026
 * @example parseYear('2026-Q1') // null
 */
export function parseYear(text: string): number | null {
  return YEAR.test(text) ? Number(text) : null;
}

/** True when `text` is a year id such as `2026`. */
export const isYear = (text: string): boolean => YEAR.test(text);
