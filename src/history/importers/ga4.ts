/**
 * Google Analytics 4 Data API `runReport` response (JSON) → KPI history rows.
 *
 * Date dimension (the finest present wins): `date` (YYYYMMDD), `isoYearIsoWeek` (ISO week,
 * YYYYWW), `yearWeek` (YYYYWW; GA4 weeks run Sunday–Saturday and week 01 starts on 1 January,
 * so these never fit an ISO week and fit a month only when they do not straddle one),
 * `yearMonth` (YYYYMM). A row whose span straddles two target periods is an error.
 *
 * Metrics (first present wins):
 *   gmv       ← purchaseRevenue, totalRevenue
 *   visitors  ← totalUsers, activeUsers, sessions (users are the closest to 生意参谋's 访客数;
 *               note that daily users summed over a week count a returning user once per day)
 *   purchases ← ecommercePurchases, transactions (the denominator of aov, numerator of conversion)
 *   conversion_rate = Σpurchases / Σvisitors; without purchases, the mean of purchaserRate
 *               (weighted by activeUsers/totalUsers) or sessionConversionRate (weighted by sessions)
 *   aov       = Σrevenue / Σpurchases; without purchases, averagePurchaseRevenue weighted by the
 *               purchases it implies (revenue / averagePurchaseRevenue), else by days
 *   ad_spend  ← advertiserAdCost (the linked Google Ads cost)
 *   new_customers ← firstTimePurchasers (newUsers are new visitors, not customers: not used)
 *   roi = Σrevenue / Σad_spend, cac = Σad_spend / Σnew_customers, per period
 * Other dimensions (device, channel, …) are summed per date.
 *
 * Shapes: the REST API's camelCase JSON, and what Google's Python client writes with
 * `proto_to_dict` (snake_case keys such as `dimension_headers`, `metric_values`, `row_count`,
 * `type_`; enums as names or as integers, e.g. `type_: 9` for TYPE_CURRENCY). A report whose
 * metrics are all unknown is an error listing them and the metrics read.
 *
 * Employee: `employee_id` for the whole report, or `employeeDimension` (e.g. `customEvent:agent_id`)
 * whose value names the employee per row; rows where it is empty or `(not set)` are skipped with a warning.
 */
import { z } from 'zod';
import { parseDate, parsePeriod, type PeriodKind } from '../period.js';
import type { RowError } from '../types.js';
import { DAY_MS } from '../../lib/time.js';
import { type Warning, warning } from '../../lib/warnings.js';
import { aggregate, daysBetween, type ImportResult, type Observation, type PartialPolicy } from './aggregate.js';

export interface Ga4Options {
  periodKind: PeriodKind;
  /** Employee for every row; required unless `employeeDimension` is given. */
  employee_id?: string;
  /** Dimension whose value is the employee id per row (takes precedence over `employee_id`). */
  employeeDimension?: string;
  /** Partial periods are always warned about; 'drop' (default) leaves them out of `rows`. */
  partial?: PartialPolicy;
}

/** MetricType of the Data API (analyticsdata v1beta), by the number proto enums carry. */
const METRIC_TYPES: Record<number, string> = {
  0: 'METRIC_TYPE_UNSPECIFIED',
  1: 'TYPE_INTEGER',
  2: 'TYPE_FLOAT',
  4: 'TYPE_SECONDS',
  5: 'TYPE_MILLISECONDS',
  6: 'TYPE_MINUTES',
  7: 'TYPE_HOURS',
  8: 'TYPE_STANDARD',
  9: 'TYPE_CURRENCY',
  10: 'TYPE_FEET',
  11: 'TYPE_MILES',
  12: 'TYPE_METERS',
  13: 'TYPE_KILOMETERS',
};

const valueSchema = z.object({ value: z.string() }).loose();
const metricType = z
  .union([z.string(), z.number().int()])
  .transform((t) => (typeof t === 'number' ? (METRIC_TYPES[t] ?? `METRIC_TYPE_${t}`) : t));
export const ga4ReportSchema = z
  .object({
    kind: z.literal('analyticsData#runReport').optional(),
    dimensionHeaders: z.array(z.object({ name: z.string().min(1) }).loose()).default([]),
    metricHeaders: z.array(z.object({ name: z.string().min(1), type: metricType.optional() }).loose()).min(1),
    rows: z
      .array(
        z
          .object({
            dimensionValues: z.array(valueSchema).default([]),
            metricValues: z.array(valueSchema).default([]),
          })
          .loose(),
      )
      .default([]),
    rowCount: z.number().int().nonnegative().optional(),
    metadata: z
      .object({
        currencyCode: z.string().optional(),
        dataLossFromOtherRow: z.boolean().optional(),
        samplingMetadatas: z.array(z.unknown()).optional(),
      })
      .loose()
      .optional(),
  })
  .loose();
export type Ga4Report = z.infer<typeof ga4ReportSchema>;

const DATE_DIMENSIONS = ['date', 'isoYearIsoWeek', 'yearWeek', 'yearMonth'] as const;
type DateDimension = (typeof DATE_DIMENSIONS)[number];
const REVENUE = ['purchaseRevenue', 'totalRevenue'];
const VISITORS = ['totalUsers', 'activeUsers', 'sessions'];
const PURCHASES = ['ecommercePurchases', 'transactions'];
const RATES = ['purchaserRate', 'sessionConversionRate'];
const AOV = ['averagePurchaseRevenue'];
const AD_COST = ['advertiserAdCost'];
const NEW_CUSTOMERS = ['firstTimePurchasers'];
const COUNTS = new Set([...VISITORS, ...PURCHASES, ...NEW_CUSTOMERS]);
const KNOWN_METRICS = [...REVENUE, ...VISITORS, ...PURCHASES, ...RATES, ...AOV, ...AD_COST, ...NEW_CUSTOMERS];
const NOT_SET = new Set(['', '(not set)']);

const fail = (errors: RowError[], warnings: Warning[] = []): ImportResult => ({
  rows: [],
  errors,
  warnings,
  periods: [],
  days: [],
});

const camel = (key: string): string =>
  key === 'type_' ? 'type' : key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * proto_to_dict output (snake_case keys, `type_`) → the REST API's camelCase. Only keys change;
 * names and values (e.g. `customEvent:agent_id`) are left alone.
 */
export function camelizeGa4(raw: unknown): unknown {
  if (Array.isArray(raw)) return raw.map(camelizeGa4);
  if (raw === null || typeof raw !== 'object') return raw;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const key = camel(k);
    if (!(key in out) || k === key) out[key] = camelizeGa4(v);
  }
  return out;
}
const utc = (y: number, m0: number, d: number): Date => new Date(Date.UTC(y, m0, d));

/** The first and last day a GA4 date-dimension value covers; null when it is not valid. */
export function ga4DateSpan(dimension: DateDimension, value: string): { start: Date; end: Date } | null {
  if (dimension === 'date') {
    if (!/^\d{8}$/.test(value)) return null;
    const d = parseDate(value);
    return d ? { start: d, end: d } : null;
  }
  const m = /^(\d{4})(\d{2})$/.exec(value);
  if (!m) return null;
  const year = Number(m[1]);
  const n = Number(m[2]);
  if (dimension === 'yearMonth' || dimension === 'isoYearIsoWeek') {
    const p = parsePeriod(dimension === 'yearMonth' ? `${m[1]}-${m[2]}` : `${m[1]}-W${m[2]}`);
    return p ? { start: new Date(`${p.start}T00:00:00Z`), end: new Date(`${p.end}T00:00:00Z`) } : null;
  }
  // yearWeek: week 01 runs from 1 January to the first Saturday; later weeks Sunday–Saturday
  const jan1 = utc(year, 0, 1);
  const firstSaturday = 1 + ((6 - jan1.getUTCDay() + 7) % 7);
  const start = n === 1 ? jan1 : utc(year, 0, firstSaturday + 1 + (n - 2) * 7);
  if (n < 1 || start.getUTCFullYear() !== year) return null;
  const end = n === 1 ? utc(year, 0, firstSaturday) : utc(year, 0, firstSaturday + 7 + (n - 2) * 7);
  return { start, end: end.getUTCFullYear() === year ? end : utc(year, 11, 31) };
}

function zodErrors(error: z.ZodError, raw: unknown): RowError[] {
  // the headers as sent: a member that is not an array (or holds non-objects) names nothing
  const namesOf = (headers: unknown) =>
    Array.isArray(headers)
      ? headers.map((h) => (h && typeof h === 'object' ? (h as { name?: unknown }).name : undefined))
      : undefined;
  const metricNames = namesOf((raw as { metricHeaders?: unknown } | null)?.metricHeaders);
  const dimensionNames = namesOf((raw as { dimensionHeaders?: unknown } | null)?.dimensionHeaders);
  return error.issues.map((issue) => {
    const path = issue.path;
    if (path[0] === 'rows' && typeof path[1] === 'number') {
      const names =
        path[2] === 'metricValues' ? metricNames : path[2] === 'dimensionValues' ? dimensionNames : undefined;
      const name = typeof path[3] === 'number' ? names?.[path[3]] : undefined;
      const field = typeof name === 'string' ? name : path.slice(2).join('.') || 'rows';
      return { row: path[1] + 1, field, reason: issue.message };
    }
    return { row: 0, field: path.join('.') || '(report)', reason: issue.message };
  });
}

/**
 * Imports a GA4 `runReport` response (parsed JSON, or its text/bytes), aggregated to `periodKind`.
 * Never throws on bad input; `errors` name the 1-based row and the dimension or metric header
 * (row 0 = the report itself).
 */
export function importGa4Report(input: unknown, options: Ga4Options): ImportResult {
  let raw = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    try {
      raw = JSON.parse(typeof input === 'string' ? input : new TextDecoder().decode(input));
    } catch (e) {
      return fail([{ row: 0, field: '(json)', reason: `not JSON: ${(e as Error).message}` }]);
    }
  }
  raw = camelizeGa4(raw);
  const parsed = ga4ReportSchema.safeParse(raw);
  if (!parsed.success) return fail(zodErrors(parsed.error, raw));
  const report = parsed.data;

  const dims = report.dimensionHeaders.map((h) => h.name);
  const metrics = report.metricHeaders.map((h) => h.name);
  const dateDim = DATE_DIMENSIONS.find((d) => dims.includes(d));
  if (!dateDim)
    return fail([
      { row: 0, field: 'dimensionHeaders', reason: `no date dimension (one of ${DATE_DIMENSIONS.join(', ')})` },
    ]);
  const dateIdx = dims.indexOf(dateDim);
  let empIdx = -1;
  if (options.employeeDimension !== undefined) {
    empIdx = dims.indexOf(options.employeeDimension);
    if (empIdx < 0)
      return fail([{ row: 0, field: options.employeeDimension, reason: 'employee dimension not in dimensionHeaders' }]);
  } else if (!options.employee_id?.trim()) {
    return fail([{ row: 0, field: 'employee_id', reason: 'employee_id or employeeDimension is required' }]);
  }
  const pick = (names: readonly string[]): number => {
    const name = names.find((n) => metrics.includes(n));
    return name === undefined ? -1 : metrics.indexOf(name);
  };
  const col = {
    gmv: pick(REVENUE),
    visitors: pick(VISITORS),
    purchases: pick(PURCHASES),
    rate: pick(RATES),
    aov: pick(AOV),
    adSpend: pick(AD_COST),
    newCustomers: pick(NEW_CUSTOMERS),
  };
  const rateName = col.rate >= 0 ? metrics[col.rate] : undefined;
  const rateWeightCol =
    rateName === 'sessionConversionRate' ? metrics.indexOf('sessions') : pick(['activeUsers', 'totalUsers']);
  const seriesIdx = dims.map((_, i) => i).filter((i) => i !== dateIdx && i !== empIdx);

  const warnings: Warning[] = [];
  const meta = report.metadata;
  if (report.rowCount !== undefined && report.rowCount > report.rows.length) {
    warnings.push(
      warning(
        'incomplete_report',
        `report has ${report.rowCount} rows but holds ${report.rows.length}: fetch the rest (offset/limit) or the totals are short`,
      ),
    );
  }
  if (meta?.dataLossFromOtherRow)
    warnings.push(
      warning(
        'incomplete_report',
        'GA4 folded some rows into "(other)" (dataLossFromOtherRow): totals may be incomplete',
      ),
    );
  if (meta?.samplingMetadatas?.length)
    warnings.push(warning('estimated_values', 'GA4 sampled this report (samplingMetadatas): values are estimates'));
  if ((col.gmv >= 0 || col.adSpend >= 0) && meta?.currencyCode && meta.currencyCode !== 'CNY') {
    warnings.push(
      warning(
        'currency_mismatch',
        `revenue and cost are in ${meta.currencyCode}; the catalogue's gmv, ad_spend and cac are CNY`,
      ),
    );
  }
  if (col.newCustomers < 0 && metrics.includes('newUsers') && col.adSpend >= 0) {
    warnings.push(
      warning(
        'metric_not_imported',
        'newUsers are new visitors, not customers: add firstTimePurchasers to import new_customers and cac',
      ),
    );
  }
  if (Object.values(col).every((c) => c < 0)) {
    const reason = `none of the metrics is one this import reads (${metrics.join(', ')}); it reads ${KNOWN_METRICS.join(', ')}`;
    return fail(
      [{ row: 0, field: 'metricHeaders', reason }],
      [warning('no_usable_metric', `no usable metric: ${reason}`)],
    );
  }

  const errors: RowError[] = [];
  const observations: Observation[] = [];
  let unassigned = 0;
  report.rows.forEach((r, i) => {
    const row = i + 1;
    if (r.dimensionValues.length !== dims.length) {
      errors.push({
        row,
        field: 'dimensionValues',
        reason: `${r.dimensionValues.length} values for ${dims.length} dimension headers`,
      });
      return;
    }
    if (r.metricValues.length !== metrics.length) {
      errors.push({
        row,
        field: 'metricValues',
        reason: `${r.metricValues.length} values for ${metrics.length} metric headers`,
      });
      return;
    }
    let employee = options.employee_id ?? '';
    if (empIdx >= 0) {
      employee = r.dimensionValues[empIdx]!.value.trim();
      if (NOT_SET.has(employee)) {
        unassigned++;
        return;
      }
    }
    let bad = false;
    const dateText = r.dimensionValues[dateIdx]!.value;
    const span = ga4DateSpan(dateDim, dateText);
    if (!span) {
      errors.push({ row, field: dateDim, reason: `bad ${dateDim}: "${dateText}"` });
      bad = true;
    }
    const num = (c: number): number | null => {
      if (c < 0) return null;
      const name = metrics[c]!;
      const text = r.metricValues[c]!.value.trim();
      const v = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text) ? Number(text) : NaN;
      let reason: string | null = null;
      if (!Number.isFinite(v)) reason = `not a number: "${text}"`;
      else if (COUNTS.has(name) && (v < 0 || !Number.isInteger(v)))
        reason = `not a non-negative whole number: "${text}"`;
      else if (RATES.includes(name) && (v < 0 || v > 1)) reason = `rate outside 0–1: "${text}"`;
      else if ((AOV.includes(name) || AD_COST.includes(name)) && v < 0) reason = `negative: "${text}"`;
      if (reason === null) return v;
      errors.push({ row, field: name, reason });
      bad = true;
      return null;
    };
    const gmv = num(col.gmv);
    const visitors = num(col.visitors);
    const purchases = num(col.purchases);
    const rate = num(col.rate);
    const aov = num(col.aov);
    const adSpend = num(col.adSpend);
    const newCustomers = num(col.newCustomers);
    // the rate's weight column, unless it is the visitors column already read (one error per cell)
    const rateWeight =
      col.rate >= 0 && rateWeightCol >= 0 && rateWeightCol !== col.visitors ? num(rateWeightCol) : visitors;
    if (bad || !span) return;
    const days = daysBetween(span.start, span.end);
    observations.push({
      employee_id: employee,
      shop: '',
      series: seriesIdx.map((k) => r.dimensionValues[k]!.value).join('\u0000'),
      row,
      dateField: dateDim,
      start: span.start,
      end: span.end,
      gmv,
      visitors,
      buyers: purchases,
      adSpend,
      newCustomers,
      rate: rate === null ? null : { value: rate, weight: rateWeight ?? days },
      aov: aov === null ? null : { value: aov, weight: aov > 0 && gmv !== null ? gmv / aov : days },
    });
  });
  if (unassigned > 0)
    warnings.push(
      warning('rows_skipped', `${unassigned} rows skipped: ${options.employeeDimension} is empty or (not set)`),
    );

  const available = {
    gmv: col.gmv >= 0,
    visitors: col.visitors >= 0,
    buyers: col.purchases >= 0,
    rate: col.rate >= 0,
    aov: col.aov >= 0,
    adSpend: col.adSpend >= 0,
    newCustomers: col.newCustomers >= 0,
  };
  return aggregate(
    observations,
    available,
    { periodKind: options.periodKind, partial: options.partial ?? 'drop' },
    { errors, warnings },
  );
}

/**
 * Several runReport responses (files of one form, e.g. one per day) as one import: each is read
 * as `importGa4Report` reads one, every error names its file, and a day of a series (employee,
 * quantity) that two files both cover is an error naming both. `rows` and `periods` are left
 * empty: the days are what a daily store rolls up.
 */
export function importGa4Reports(
  files: readonly { name: string; bytes: Uint8Array }[],
  options: Ga4Options,
): ImportResult {
  const errors: ImportResult['errors'] = [];
  const warnings: Warning[] = [];
  const days: ImportResult['days'] = [];
  const covered = new Map<string, string>(); // employee, shop, metric, day → file
  for (const f of files) {
    const r = importGa4Report(f.bytes, options);
    errors.push(...r.errors.map((e) => ({ file: f.name, ...e })));
    if (files.length > 1) warnings.push(...r.warnings.map((w) => ({ ...w, message: `${f.name}: ${w.message}` })));
    else warnings.push(...r.warnings);
    const clashes = new Set<string>();
    for (const d of r.days) {
      const series = `${d.employee_id}\u0000${d.shop}\u0000${d.metric}`;
      const start = new Date(`${d.date}T00:00:00Z`).getTime();
      const end = new Date(`${d.through}T00:00:00Z`).getTime();
      for (let t = start; t <= end; t += DAY_MS) {
        const day = new Date(t).toISOString().slice(0, 10);
        const other = covered.get(`${series}\u0000${day}`);
        if (other !== undefined && other !== f.name)
          clashes.add(`${day} (${d.employee_id}) is already covered by ${other}`);
        covered.set(`${series}\u0000${day}`, f.name);
      }
    }
    for (const reason of clashes) errors.push({ file: f.name, row: 0, field: 'date', reason });
    days.push(...r.days);
  }
  if (files.length === 0) errors.push({ row: 0, field: '(body)', reason: 'no file' });
  return { rows: [], errors, warnings, periods: [], days };
}
