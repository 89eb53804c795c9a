/**
 * Shared by the 生意参谋 and GA4 importers: rolls source rows (a day, or a range of days such as a
 * GA4 `yearMonth`) up into appraisal periods and derives the sales metrics from additive totals.
 *
 * - gmv and visitors are sums; conversion_rate = Σbuyers / Σvisitors and aov = Σgmv / Σbuyers,
 *   never a plain mean of daily ratios. Only when the source lacks buyers are the source's own
 *   ratios averaged, weighted (by visitors for conversion, by estimated buyers for aov).
 * - A source row must fall inside one target period: a range that straddles two periods cannot
 *   be split honestly, so it is a RowError.
 * - Every period reports its coverage; periods the source does not cover day by day are partial
 *   and are named in `warnings` (and dropped unless `partial: 'include'`).
 */
import { periodOf, toIsoDate, type PeriodKind } from '../period.js';
import type { HistoryInput, RowError } from '../types.js';
import { DAY_MS } from '../../lib/time.js';

export type PartialPolicy = 'drop' | 'include';

export interface Weighted {
  value: number;
  weight: number;
}

/** One source row, already parsed. Missing values are null. */
export interface Observation {
  employee_id: string;
  /** Rows of one series must not cover the same day twice (shop: '', item report: the item id). */
  series: string;
  /** 1-based data row, for errors. */
  row: number;
  /** Name of the source's date column, for errors. */
  dateField: string;
  /** First and last day covered, inclusive (UTC midnight). */
  start: Date;
  end: Date;
  gmv: number | null;
  visitors: number | null;
  buyers: number | null;
  /** Source's own conversion rate (0–1) with its weight; used only when buyers are unavailable. */
  rate: Weighted | null;
  /** Source's own average order value with its weight; used only when buyers are unavailable. */
  aov: Weighted | null;
}

/** Which quantities the source has columns for; metrics whose inputs are absent are not emitted. */
export interface Available {
  gmv: boolean;
  visitors: boolean;
  buyers: boolean;
  rate: boolean;
  aov: boolean;
}

export interface PeriodCoverage {
  employee_id: string;
  period: string;
  /** Period bounds, inclusive. */
  start: string;
  end: string;
  /** First and last day the source covers inside the period. */
  first: string;
  last: string;
  covered_days: number;
  total_days: number;
  partial: boolean;
  /** False when the period was dropped as partial. */
  emitted: boolean;
}

export interface ImportResult {
  rows: HistoryInput[];
  errors: RowError[];
  warnings: string[];
  /** One entry per (employee, period) seen, with its day coverage. */
  periods: PeriodCoverage[];
}

export interface AggregateOptions {
  periodKind: PeriodKind;
  /** Partial periods are always listed in warnings; 'drop' (default) leaves them out of `rows`. */
  partial?: PartialPolicy;
}

interface Bucket {
  employee_id: string;
  period: string;
  start: string;
  end: string;
  days: Set<string>;
  gmv: number | null;
  visitors: number | null;
  buyers: number | null;
  rateSum: number;
  rateWeight: number;
  aovSum: number;
  aovWeight: number;
}

const add = (a: number | null, b: number | null): number | null => (b === null ? a : (a ?? 0) + b);
const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export function daysBetween(start: Date, end: Date): number {
  return Math.round((end.getTime() - start.getTime()) / DAY_MS) + 1;
}

/**
 * Aggregates observations into period rows. Observations that straddle periods or repeat a day
 * of their series become errors and are left out; everything else is aggregated.
 */
export function aggregate(
  observations: readonly Observation[],
  available: Available,
  options: AggregateOptions,
): ImportResult {
  const errors: RowError[] = [];
  const warnings: string[] = [];
  const buckets = new Map<string, Bucket>();
  const seen = new Map<string, Map<string, number>>(); // employee+series → day → row

  for (const o of observations) {
    const p = periodOf(o.start, options.periodKind);
    const q = periodOf(o.end, options.periodKind);
    if (p.id !== q.id) {
      errors.push({
        row: o.row,
        field: o.dateField,
        reason: `${toIsoDate(o.start)}~${toIsoDate(o.end)} spans ${p.id} and ${q.id}; a total cannot be split between periods (export daily rows instead)`,
      });
      continue;
    }
    const seriesKey = `${o.employee_id}\u0000${o.series}`;
    let days = seen.get(seriesKey);
    if (!days) seen.set(seriesKey, (days = new Map()));
    const span: string[] = [];
    for (let t = o.start.getTime(); t <= o.end.getTime(); t += DAY_MS) span.push(toIsoDate(new Date(t)));
    const clash = span.find((d) => days.has(d));
    if (clash !== undefined) {
      const series = o.series === '' ? '' : ` for ${o.series}`;
      errors.push({
        row: o.row,
        field: o.dateField,
        reason: `${clash}${series} is already covered by row ${days.get(clash)}`,
      });
      continue;
    }
    for (const d of span) days.set(d, o.row);

    const key = `${o.employee_id}\u0000${p.id}`;
    let b = buckets.get(key);
    if (!b) {
      b = {
        employee_id: o.employee_id,
        period: p.id,
        start: p.start,
        end: p.end,
        days: new Set(),
        gmv: null,
        visitors: null,
        buyers: null,
        rateSum: 0,
        rateWeight: 0,
        aovSum: 0,
        aovWeight: 0,
      };
      buckets.set(key, b);
    }
    for (const d of span) b.days.add(d);
    b.gmv = add(b.gmv, o.gmv);
    b.visitors = add(b.visitors, o.visitors);
    b.buyers = add(b.buyers, o.buyers);
    if (o.rate && o.rate.weight > 0) {
      b.rateSum += o.rate.value * o.rate.weight;
      b.rateWeight += o.rate.weight;
    }
    if (o.aov && o.aov.weight > 0) {
      b.aovSum += o.aov.value * o.aov.weight;
      b.aovWeight += o.aov.weight;
    }
  }

  const ordered = [...buckets.values()].sort((a, b) =>
    a.employee_id === b.employee_id ? a.start.localeCompare(b.start) : a.employee_id.localeCompare(b.employee_id),
  );
  const policy = options.partial ?? 'drop';
  const rows: HistoryInput[] = [];
  const periods: PeriodCoverage[] = [];
  for (const b of ordered) {
    const covered = [...b.days].sort();
    const total = daysBetween(new Date(`${b.start}T00:00:00Z`), new Date(`${b.end}T00:00:00Z`));
    const partial = covered.length < total;
    const emitted = !partial || policy === 'include';
    const first = covered[0] ?? b.start;
    const last = covered[covered.length - 1] ?? b.end;
    periods.push({
      employee_id: b.employee_id,
      period: b.period,
      start: b.start,
      end: b.end,
      first,
      last,
      covered_days: covered.length,
      total_days: total,
      partial,
      emitted,
    });
    if (partial) {
      warnings.push(
        `${b.period} (${b.employee_id}) is partial: the source covers ${covered.length} of ${total} days ` +
          `(${first}..${last}); ${emitted ? 'imported as is' : 'not imported'}`,
      );
    }
    if (!emitted) continue;
    const emit = (metric_id: string, value: number) =>
      rows.push({ employee_id: b.employee_id, metric_id, period: b.period, value });
    const label = `${b.period} (${b.employee_id})`;

    if (available.gmv && b.gmv !== null) emit('gmv', round(b.gmv, 2));
    if (available.visitors && b.visitors !== null) emit('visitors', round(b.visitors, 2));

    if (available.visitors && available.buyers && b.visitors !== null && b.buyers !== null) {
      if (b.visitors > 0) emit('conversion_rate', round(b.buyers / b.visitors, 6));
      else warnings.push(`${label}: no visitors, conversion_rate not computed`);
    } else if (available.rate && b.rateWeight > 0) {
      emit('conversion_rate', round(b.rateSum / b.rateWeight, 6));
    }

    if (available.gmv && available.buyers && b.gmv !== null && b.buyers !== null) {
      if (b.buyers > 0) emit('aov', round(b.gmv / b.buyers, 2));
      else warnings.push(`${label}: no buyers, aov not computed`);
    } else if (available.aov && b.aovWeight > 0) {
      emit('aov', round(b.aovSum / b.aovWeight, 2));
    }
  }
  return { rows, errors, warnings, periods };
}
