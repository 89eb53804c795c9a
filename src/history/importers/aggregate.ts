/**
 * Shared by the 生意参谋 and GA4 importers: source rows (a day, or a range of days such as a GA4
 * `yearMonth`) → daily values → appraisal periods.
 *
 * 1. `checkObservations`: a source row must fall inside one target period (a range that straddles
 *    two cannot be split honestly) and must not cover a day its series already covers; both are
 *    errors naming the file, row and date column.
 * 2. `toDailyValues`: one value per (employee, shop, day or range, quantity), the rows of several
 *    items or devices summed. These are what a daily-grain store keeps; `rollUp` of the stored days
 *    gives the same periods as the import did.
 * 3. `rollUp`: sums gmv, visitors, buyers, ad_spend and new_customers; derives the ratios from the
 *    sums (conversion_rate = Σbuyers / Σvisitors, aov = Σgmv / Σbuyers, roi = Σgmv / Σad_spend,
 *    cac = Σad_spend / Σnew_customers), never a plain mean of daily ratios. Only when the source
 *    lacks buyers are its own ratios averaged, weighted (by visitors for conversion, by estimated
 *    buyers for aov). Every period reports its coverage; periods the source does not cover day by
 *    day are partial, named in `warnings`, and dropped unless `partial: 'include'`.
 */
import { periodOf, toIsoDate, type PeriodKind } from '../period.js';
import type { HistoryInput, RowError } from '../types.js';
import { DAY_MS } from '../../lib/time.js';
import { type Warning, warning } from '../../lib/warnings.js';

export type PartialPolicy = 'drop' | 'include';

export interface Weighted {
  value: number;
  weight: number;
}

/** A row error; `file` names the file when the import read one by name (several files, a zip). */
export interface ImportError extends RowError {
  file?: string;
}

/** One source row, already parsed. Missing values are null. */
export interface Observation {
  employee_id: string;
  /** Shop the row belongs to ('' when the export names none). */
  shop: string;
  /** Rows of one series must not cover the same day twice (shop report: '', item report: the item id). */
  series: string;
  /** File the row came from, for errors. */
  file?: string;
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
  adSpend: number | null;
  newCustomers: number | null;
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
  adSpend: boolean;
  newCustomers: boolean;
}

/** Quantities kept per day: the additive inputs, and the source's own ratios with their weights. */
export type DailyMetric = 'gmv' | 'visitors' | 'buyers' | 'ad_spend' | 'new_customers' | 'conversion_rate' | 'aov';

export const DAILY_METRICS: readonly DailyMetric[] = [
  'gmv',
  'visitors',
  'buyers',
  'ad_spend',
  'new_customers',
  'conversion_rate',
  'aov',
];

/**
 * One quantity of one employee's shop on one day (or one source range: `through` > `date` for a
 * weekly or monthly source row, which cannot be split into days).
 */
export interface DailyValue {
  employee_id: string;
  /** '' when the export names no shop. */
  shop: string;
  /** First day, `YYYY-MM-DD`. */
  date: string;
  /** Last day, inclusive; equal to `date` for a daily row. */
  through: string;
  metric: DailyMetric;
  /** null: the export has the column but no value that day (`-`); the day still counts as covered. */
  value: number | null;
  /** conversion_rate and aov only: the weight of this value in a period mean. */
  weight?: number;
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
  /** Period roll-ups (what the history table stores today). */
  rows: HistoryInput[];
  errors: ImportError[];
  warnings: Warning[];
  /** One entry per (employee, period) seen, with its day coverage. */
  periods: PeriodCoverage[];
  /** The values per day (or source range) behind `rows`, partial periods included. */
  days: DailyValue[];
}

export interface AggregateOptions {
  periodKind: PeriodKind;
  /** Partial periods are always listed in warnings; 'drop' (default) leaves them out of `rows`. */
  partial?: PartialPolicy;
  /** Partial periods emitted under 'drop' too (a daily store: periods already stored from days). */
  keep?: (employee_id: string, period: string) => boolean;
  /** What the coverage in warnings counts: this import's rows ('source', default) or the stored days. */
  coverage?: 'source' | 'stored';
}

const add = (a: number | null, b: number | null): number | null => (b === null ? a : (a ?? 0) + b);
const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export function daysBetween(start: Date, end: Date): number {
  return Math.round((end.getTime() - start.getTime()) / DAY_MS) + 1;
}

const where = (o: { file?: string }): { file?: string } => (o.file === undefined ? {} : { file: o.file });

/**
 * Drops observations that straddle two target periods or repeat a day of their series (same
 * employee, shop and series, in this file or an earlier one), with an error for each.
 */
export function checkObservations(
  observations: readonly Observation[],
  periodKind: PeriodKind,
): { valid: Observation[]; errors: ImportError[] } {
  const errors: ImportError[] = [];
  const valid: Observation[] = [];
  const seen = new Map<string, Map<string, Observation>>(); // employee+shop+series → day → row
  for (const o of observations) {
    const p = periodOf(o.start, periodKind);
    const q = periodOf(o.end, periodKind);
    if (p.id !== q.id) {
      errors.push({
        ...where(o),
        row: o.row,
        field: o.dateField,
        reason: `${toIsoDate(o.start)}~${toIsoDate(o.end)} spans ${p.id} and ${q.id}; a total cannot be split between periods (export daily rows instead)`,
      });
      continue;
    }
    const seriesKey = `${o.employee_id}\u0000${o.shop}\u0000${o.series}`;
    let days = seen.get(seriesKey);
    if (!days) seen.set(seriesKey, (days = new Map()));
    const span: string[] = [];
    for (let t = o.start.getTime(); t <= o.end.getTime(); t += DAY_MS) span.push(toIsoDate(new Date(t)));
    const clash = span.find((d) => days.has(d));
    if (clash !== undefined) {
      const first = days.get(clash)!;
      const series = [o.shop, o.series].filter((s) => s !== '').join(' ');
      const other =
        first.file !== undefined && first.file !== o.file ? `${first.file} row ${first.row}` : `row ${first.row}`;
      errors.push({
        ...where(o),
        row: o.row,
        field: o.dateField,
        reason: `${clash}${series ? ` for ${series}` : ''} is already covered by ${other}`,
      });
      continue;
    }
    for (const d of span) days.set(d, o);
    valid.push(o);
  }
  return { valid, errors };
}

/**
 * Sums observations into daily values per (employee, shop, span): the items or devices of one day
 * add up; the source's own ratios become weighted means. Only quantities in `available` are kept.
 */
export function toDailyValues(observations: readonly Observation[], available: Available): DailyValue[] {
  interface Acc {
    o: Observation;
    gmv: number | null;
    visitors: number | null;
    buyers: number | null;
    adSpend: number | null;
    newCustomers: number | null;
    rateSum: number;
    rateWeight: number;
    aovSum: number;
    aovWeight: number;
  }
  const accs = new Map<string, Acc>();
  for (const o of observations) {
    const key = `${o.employee_id}\u0000${o.shop}\u0000${toIsoDate(o.start)}\u0000${toIsoDate(o.end)}`;
    let a = accs.get(key);
    if (!a) {
      a = {
        o,
        gmv: null,
        visitors: null,
        buyers: null,
        adSpend: null,
        newCustomers: null,
        rateSum: 0,
        rateWeight: 0,
        aovSum: 0,
        aovWeight: 0,
      };
      accs.set(key, a);
    }
    a.gmv = add(a.gmv, o.gmv);
    a.visitors = add(a.visitors, o.visitors);
    a.buyers = add(a.buyers, o.buyers);
    a.adSpend = add(a.adSpend, o.adSpend);
    a.newCustomers = add(a.newCustomers, o.newCustomers);
    if (o.rate && o.rate.weight > 0) {
      a.rateSum += o.rate.value * o.rate.weight;
      a.rateWeight += o.rate.weight;
    }
    if (o.aov && o.aov.weight > 0) {
      a.aovSum += o.aov.value * o.aov.weight;
      a.aovWeight += o.aov.weight;
    }
  }
  const out: DailyValue[] = [];
  for (const a of accs.values()) {
    const base = {
      employee_id: a.o.employee_id,
      shop: a.o.shop,
      date: toIsoDate(a.o.start),
      through: toIsoDate(a.o.end),
    };
    const push = (metric: DailyMetric, value: number | null, weight?: number) =>
      out.push(weight === undefined ? { ...base, metric, value } : { ...base, metric, value, weight });
    if (available.gmv) push('gmv', a.gmv);
    if (available.visitors) push('visitors', a.visitors);
    if (available.buyers) push('buyers', a.buyers);
    if (available.adSpend) push('ad_spend', a.adSpend);
    if (available.newCustomers) push('new_customers', a.newCustomers);
    if (available.rate) push('conversion_rate', a.rateWeight > 0 ? a.rateSum / a.rateWeight : null, a.rateWeight);
    if (available.aov) push('aov', a.aovWeight > 0 ? a.aovSum / a.aovWeight : null, a.aovWeight);
  }
  return sortDays(out);
}

const sortDays = (days: DailyValue[]): DailyValue[] =>
  days.sort(
    (a, b) =>
      a.employee_id.localeCompare(b.employee_id) ||
      a.shop.localeCompare(b.shop) ||
      a.date.localeCompare(b.date) ||
      a.through.localeCompare(b.through) ||
      DAILY_METRICS.indexOf(a.metric) - DAILY_METRICS.indexOf(b.metric),
  );

interface Bucket {
  employee_id: string;
  period: string;
  start: string;
  end: string;
  days: Set<string>;
  sums: Record<'gmv' | 'visitors' | 'buyers' | 'ad_spend' | 'new_customers', number | null>;
  rateSum: number;
  rateWeight: number;
  aovSum: number;
  aovWeight: number;
}

/**
 * Rolls daily values (from an import, or read back from a daily store) up into periods.
 * A value whose range straddles two periods is left out with a warning (imports check this first).
 * Shops of one employee add up.
 */
export function rollUp(days: readonly DailyValue[], options: AggregateOptions): ImportResult {
  const warnings: Warning[] = [];
  const buckets = new Map<string, Bucket>();
  const present = new Set<DailyMetric>();
  const ordered = sortDays([...days]);
  for (const v of ordered) {
    const start = new Date(`${v.date}T00:00:00Z`);
    const end = new Date(`${v.through}T00:00:00Z`);
    const p = periodOf(start, options.periodKind);
    if (periodOf(end, options.periodKind).id !== p.id) {
      warnings.push(
        warning('rows_skipped', `${v.metric} ${v.date}~${v.through} (${v.employee_id}) spans two periods; left out`),
      );
      continue;
    }
    present.add(v.metric);
    const key = `${v.employee_id}\u0000${p.id}`;
    let b = buckets.get(key);
    if (!b) {
      b = {
        employee_id: v.employee_id,
        period: p.id,
        start: p.start,
        end: p.end,
        days: new Set(),
        sums: { gmv: null, visitors: null, buyers: null, ad_spend: null, new_customers: null },
        rateSum: 0,
        rateWeight: 0,
        aovSum: 0,
        aovWeight: 0,
      };
      buckets.set(key, b);
    }
    for (let t = start.getTime(); t <= end.getTime(); t += DAY_MS) b.days.add(toIsoDate(new Date(t)));
    if (v.metric === 'conversion_rate' || v.metric === 'aov') {
      const w = v.weight ?? 0;
      if (v.value === null || !(w > 0)) continue;
      if (v.metric === 'conversion_rate') {
        b.rateSum += v.value * w;
        b.rateWeight += w;
      } else {
        b.aovSum += v.value * w;
        b.aovWeight += w;
      }
    } else {
      b.sums[v.metric] = add(b.sums[v.metric], v.value);
    }
  }

  const sorted = [...buckets.values()].sort((a, b) =>
    a.employee_id === b.employee_id ? a.start.localeCompare(b.start) : a.employee_id.localeCompare(b.employee_id),
  );
  const policy = options.partial ?? 'drop';
  const rows: HistoryInput[] = [];
  const periods: PeriodCoverage[] = [];
  for (const b of sorted) {
    const covered = [...b.days].sort();
    const total = daysBetween(new Date(`${b.start}T00:00:00Z`), new Date(`${b.end}T00:00:00Z`));
    const partial = covered.length < total;
    const emitted = !partial || policy === 'include' || options.keep?.(b.employee_id, b.period) === true;
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
        warning(
          'partial_period',
          `${b.period} (${b.employee_id}) is partial: ${options.coverage === 'stored' ? 'the stored days cover' : 'the source covers'} ${covered.length} of ${total} days ` +
            `(${first}..${last}); ${emitted ? 'imported as is' : options.coverage === 'stored' ? 'not imported until its days are complete' : 'not imported'}`,
        ),
      );
    }
    if (!emitted) continue;
    const emit = (metric_id: string, value: number) =>
      rows.push({ employee_id: b.employee_id, metric_id, period: b.period, value });
    const label = `${b.period} (${b.employee_id})`;
    const { gmv, visitors, buyers, ad_spend: spend, new_customers: newCustomers } = b.sums;

    if (gmv !== null) emit('gmv', round(gmv, 2));
    if (visitors !== null) emit('visitors', round(visitors, 2));

    if (present.has('buyers') && visitors !== null && buyers !== null) {
      if (visitors > 0) emit('conversion_rate', round(buyers / visitors, 6));
      else warnings.push(warning('value_not_computed', `${label}: no visitors, conversion_rate not computed`));
    } else if (b.rateWeight > 0) {
      emit('conversion_rate', round(b.rateSum / b.rateWeight, 6));
    }

    if (present.has('buyers') && gmv !== null && buyers !== null) {
      if (buyers > 0) emit('aov', round(gmv / buyers, 2));
      else warnings.push(warning('value_not_computed', `${label}: no buyers, aov not computed`));
    } else if (b.aovWeight > 0) {
      emit('aov', round(b.aovSum / b.aovWeight, 2));
    }

    if (spend !== null) emit('ad_spend', round(spend, 2));
    if (newCustomers !== null) emit('new_customers', round(newCustomers, 2));
    if (spend !== null && gmv !== null) {
      if (spend > 0) emit('roi', round(gmv / spend, 4));
      else warnings.push(warning('value_not_computed', `${label}: no ad spend, roi not computed`));
    }
    if (spend !== null && newCustomers !== null) {
      if (newCustomers > 0) emit('cac', round(spend / newCustomers, 2));
      else warnings.push(warning('value_not_computed', `${label}: no new customers, cac not computed`));
    }
  }
  return { rows, errors: [], warnings, periods, days: ordered };
}

/**
 * The whole path for parsed source rows: check, sum per day, roll up. Parser errors and warnings
 * come first; errors are sorted by file and row.
 */
export function aggregate(
  observations: readonly Observation[],
  available: Available,
  options: AggregateOptions,
  parsed: { errors?: readonly ImportError[]; warnings?: readonly Warning[] } = {},
): ImportResult {
  const checked = checkObservations(observations, options.periodKind);
  const result = rollUp(toDailyValues(checked.valid, available), options);
  const errors = [...(parsed.errors ?? []), ...checked.errors].sort(
    (a, b) => (a.file ?? '').localeCompare(b.file ?? '') || a.row - b.row,
  );
  return { ...result, errors, warnings: [...(parsed.warnings ?? []), ...result.warnings] };
}
