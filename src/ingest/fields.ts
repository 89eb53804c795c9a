/**
 * Field schemas shared by every ingestion format. Input may come from CSV (all strings) or
 * JSON (typed); these accept both and reject anything ambiguous with a readable reason.
 */
import { z } from 'zod';
import { parseDate, parsePeriod } from '../history/period.js';

const shown = (v: unknown) =>
  typeof v === 'string' ? `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'` : JSON.stringify(v);

const blankToNull = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? null : v);

/** A required identifier: non-empty text up to 128 characters (numbers in JSON are accepted as text). */
export const id = z.preprocess(
  (v) => (typeof v === 'number' && Number.isInteger(v) ? String(v) : typeof v === 'string' ? v.trim() : v),
  z
    .string({ error: (i) => (i.input === undefined ? 'is required' : `expected text, got ${shown(i.input)}`) })
    .min(1, 'must not be empty')
    .max(128, 'must be at most 128 characters'),
);

export const optionalId = z.preprocess(blankToNull, id.nullable().default(null));

export const optionalText = (max = 200) =>
  z.preprocess(
    blankToNull,
    z
      .string({ error: (i) => `expected text, got ${shown(i.input)}` })
      .max(max)
      .nullable()
      .default(null),
  );

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A finite number; CSV text such as `12.5` or `-3e2` is converted, anything else is named. */
export const finiteNumber = z.preprocess(
  (v) => (typeof v === 'string' && NUMERIC.test(v.trim()) ? Number(v.trim()) : v),
  z
    .number({
      error: (i) =>
        i.input === undefined || i.input === '' ? 'is required' : `expected a number, got ${shown(i.input)}`,
    })
    .finite('must be finite'),
);

/**
 * Fast paths of the schemas above for a target's `fast` check: the value the schema returns for the
 * common input, or undefined whenever the schema has to decide (every fault, and rarer forms such as
 * a JSON number for an id), so the answers stay the schema's own.
 */
export const quick = {
  /** `id` for text. */
  id(v: unknown): string | undefined {
    if (typeof v !== 'string') return undefined;
    const t = v.trim();
    return t.length >= 1 && t.length <= 128 ? t : undefined;
  },
  /** `finiteNumber`. */
  number(v: unknown): number | undefined {
    if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
    if (typeof v !== 'string') return undefined;
    const t = v.trim();
    if (!NUMERIC.test(t)) return undefined;
    const n = Number(t);
    return Number.isFinite(n) ? n : undefined;
  },
  /** `period`. */
  period(v: unknown): string | undefined {
    if (typeof v !== 'string') return undefined;
    const t = v.trim();
    return parsePeriod(t) !== null ? t : undefined;
  },
};

/** What the OpenAPI document states of a period (years 1000–9999; the week must exist in its year). */
export const PERIOD_PATTERN = '^[1-9]\\d{3}-(W(0[1-9]|[1-4]\\d|5[0-3])|0[1-9]|1[0-2]|Q[1-4])$';

export const period = z
  .string({ error: (i) => (i.input === undefined ? 'is required' : `expected a period, got ${shown(i.input)}`) })
  .trim()
  .refine((s) => parsePeriod(s) !== null, {
    error: (i) => `expected an ISO week (2026-W07), month (2026-03) or quarter (2026-Q1), got ${shown(i.input)}`,
  })
  .meta({ pattern: PERIOD_PATTERN, description: 'ISO week 2026-W07, month 2026-03 or quarter 2026-Q1' });

/** A calendar date `YYYY-MM-DD` that exists (no 2026-02-30). */
export const date = z
  .string({ error: (i) => `expected a date YYYY-MM-DD, got ${shown(i.input)}` })
  .trim()
  .refine((s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && parseDate(s) !== null, {
    error: (i) => `expected a real date YYYY-MM-DD, got ${shown(i.input)}`,
  })
  .meta({ format: 'date' });

export const optionalDate = z.preprocess(blankToNull, date.nullable().default(null));

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})([T ](\d{2}):(\d{2})(:(\d{2})(\.\d{1,6})?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * The range an event's time (a review, a reply, a return, a query's from/to) must fall in: from
 * EVENT_DATE_MIN (default 2000-01-01) to EVENT_MAX_AHEAD_DAYS (default 366) days after now.
 */
const eventBounds = { min: Date.UTC(2000, 0, 1), aheadDays: 366 };

/** Sets the event range (src/config.ts: EVENT_DATE_MIN, EVENT_MAX_AHEAD_DAYS). */
export function setEventBounds(b: { min: string; aheadDays: number }): void {
  eventBounds.min = Date.parse(`${b.min}T00:00:00Z`);
  eventBounds.aheadDays = b.aheadDays;
}

/** Why `ms` is outside the event range, or null. */
export function eventTimeFault(ms: number): string | null {
  const max = Date.now() + eventBounds.aheadDays * 86_400_000;
  if (ms >= eventBounds.min && ms <= max) return null;
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  return `must be between ${day(eventBounds.min)} and ${day(max)} (EVENT_DATE_MIN, EVENT_MAX_AHEAD_DAYS)`;
}

/**
 * An ISO 8601 timestamp, `T` or space between date and time; without an offset it is read as UTC.
 * Normalised to `toISOString()` form. Every timestamp the service takes is an event's: it must fall
 * in the event range (eventTimeFault).
 */
export const timestamp = z
  .string({ error: (i) => (i.input === undefined ? 'is required' : `expected a timestamp, got ${shown(i.input)}`) })
  .trim()
  .transform((s, ctx) => {
    const m = TIMESTAMP.exec(s);
    const day = m ? parseDate(`${m[1]}-${m[2]}-${m[3]}`) : null;
    const [h, min, sec] = [Number(m?.[5] ?? 0), Number(m?.[6] ?? 0), Number(m?.[8] ?? 0)];
    if (!m || !day || h > 23 || min > 59 || sec > 59) {
      ctx.addIssue({
        code: 'custom',
        message: `expected an ISO 8601 timestamp such as 2026-03-01T09:30:00+08:00, got ${shown(s)}`,
      });
      return z.NEVER;
    }
    const offset = m[10] && m[10] !== 'Z' ? m[10].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2') : 'Z';
    const iso = `${m[1]}-${m[2]}-${m[3]}T${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}:${String(sec).padStart(2, '0')}${m[9] ?? ''}${offset}`;
    const ms = new Date(iso).getTime();
    const out = Number.isNaN(ms) ? 'is not a real time' : eventTimeFault(ms);
    if (out) {
      ctx.addIssue({ code: 'custom', message: `${out}, got ${shown(s)}` });
      return z.NEVER;
    }
    return new Date(ms).toISOString();
  })
  .meta({
    pattern: TIMESTAMP.source,
    description: 'ISO 8601, `T` or a space between date and time; without an offset, UTC',
  });

export const optionalTimestamp = z.preprocess(blankToNull, timestamp.nullable().default(null));

/** Star rating 1–5 (optional). */
export const optionalRating = z.preprocess(
  (v) => {
    const b = blankToNull(v);
    return typeof b === 'string' && /^\d+$/.test(b.trim()) ? Number(b) : b;
  },
  z
    .number({ error: (i) => `expected a whole number 1–5, got ${shown(i.input)}` })
    .int('expected a whole number 1–5')
    .min(1, 'must be between 1 and 5')
    .max(5, 'must be between 1 and 5')
    .nullable()
    .default(null),
);
