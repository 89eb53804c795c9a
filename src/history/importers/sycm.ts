/**
 * 生意参谋 (Taobao Business Advisor) shop or item report export → KPI history rows.
 *
 * Accepts the CSV export (UTF-8 with or without BOM, or GBK) and tab-separated text saved from
 * the .xls export (also UTF-16LE "Unicode text"). Metadata lines before the header (`店铺名称,…`,
 * `统计时间,…`, `# 生意参谋 …`) are skipped: the header is the first line with a 统计日期 cell.
 *
 * Columns used (others such as 浏览量, 支付件数, 加购人数, 退款金额 are ignored):
 *   统计日期 (required; `2026-03-01`, `20260301`, `2026/3/1`, or a range `2026-03-01~2026-03-07`),
 *   支付金额 → gmv, 访客数 (item reports: 商品访客数) → visitors, 支付买家数 → buyers,
 *   支付转化率 (`3.25%`, or a 0–1 ratio without %), 客单价.
 * Headers may carry a unit suffix (`支付金额(元)`). Numbers may have thousands separators and a
 * ¥ sign; `-`, `--` and empty cells mean "no value" (adds nothing to a sum).
 *
 * Item reports (a 商品ID column): rows of all items are summed per date unless `itemIds` picks
 * some. Summed item visitors count a shopper once per item viewed, so they exceed the shop's
 * unique visitors; a warning says so when more than one item is summed.
 * Summary rows (统计日期 = 合计 / 总计 / 汇总 / 平均) are skipped with a warning.
 */
import { parse } from 'csv-parse/sync';
import { parseDate, type PeriodKind } from '../period.js';
import type { RowError } from '../types.js';
import { aggregate, daysBetween, type ImportResult, type Observation, type PartialPolicy } from './aggregate.js';
import { decodeText, type TextEncoding } from './decode.js';

export interface SycmOptions {
  /** Owner of the shop or items; every output row carries it. */
  employee_id: string;
  periodKind: PeriodKind;
  /** Default 'auto': UTF-16LE with BOM, else strict UTF-8, else GBK. */
  encoding?: TextEncoding;
  /** Partial periods are always warned about; 'drop' (default) leaves them out of `rows`. */
  partial?: PartialPolicy;
  /** Item reports only: use just these 商品ID values (default: sum all items per date). */
  itemIds?: readonly string[];
}

const DATE_COLUMNS = ['统计日期', '日期'];
const COLUMNS = {
  gmv: ['支付金额'],
  visitors: ['访客数', '商品访客数'],
  buyers: ['支付买家数'],
  rate: ['支付转化率', '商品支付转化率'],
  aov: ['客单价'],
  item: ['商品ID', '商品id', '商品Id'],
} as const;
const SUMMARY_ROWS = new Set(['合计', '总计', '汇总', '平均', '均值', '平均值']);

const fail = (field: string, reason: string): ImportResult => ({
  rows: [],
  errors: [{ row: 0, field, reason }],
  warnings: [],
  periods: [],
});

function normalizeHeader(h: string): string {
  return h
    .replace(/^\uFEFF/, '')
    .trim()
    .replace(/^"|"$/g, '')
    .replace(/\s*[（(][^）)]*[）)]$/, '')
    .trim();
}

function splitNaive(line: string, delimiter: string): string[] {
  return line.split(delimiter).map(normalizeHeader);
}

/** Parses one day in the formats 生意参谋 and Excel produce; null when not a real date. */
export function parseSycmDay(text: string): Date | null {
  const s = text.trim().replace(/\s+00:00(:00)?$/, '');
  let m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(s) ?? /^(\d{4})年(\d{1,2})月(\d{1,2})日$/.exec(s);
  if (m) return parseDate(`${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`);
  m = /^(\d{8})$/.exec(s);
  return m ? parseDate(s) : null;
}

/** A day or a `start~end` range (also `～`, `至`); null when unreadable or reversed. */
export function parseSycmDateRange(text: string): { start: Date; end: Date } | null {
  const parts = text.split(/\s*(?:~|～|至)\s*/);
  if (parts.length === 1) {
    const d = parseSycmDay(text);
    return d ? { start: d, end: d } : null;
  }
  if (parts.length !== 2) return null;
  const start = parseSycmDay(parts[0]!);
  const end = parseSycmDay(parts[1]!);
  if (!start || !end || end < start) return null;
  return { start, end };
}

export type ParsedNumber = { ok: true; value: number | null } | { ok: false; reason: string };

/**
 * Parses an exported number: `12,345.67`, `¥1,234`, `3.25%` (→ 0.0325 when `rate`), `-` (no value).
 * Rates without `%` are taken as 0–1 ratios. Negative values are refused: none of the used metrics can be.
 */
export function parseSycmNumber(raw: string, kind: 'amount' | 'count' | 'rate'): ParsedNumber {
  const s = raw.trim().replace(/^[¥￥]\s*/, '');
  if (s === '' || s === '-' || s === '--' || s === '—') return { ok: true, value: null };
  const percent = s.endsWith('%');
  const body = percent ? s.slice(0, -1).trim() : s;
  if (!/^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$/.test(body)) return { ok: false, reason: `not a number: "${raw}"` };
  let value = Number(body.replaceAll(',', ''));
  if (value < 0) return { ok: false, reason: `negative: "${raw}"` };
  if (kind === 'rate') {
    if (percent) value /= 100;
    if (value > 1) return { ok: false, reason: `rate above 100 %: "${raw}"` };
  } else if (percent) {
    return { ok: false, reason: `unexpected %: "${raw}"` };
  }
  if (kind === 'count' && !Number.isInteger(value)) return { ok: false, reason: `not a whole number: "${raw}"` };
  return { ok: true, value };
}

/**
 * Imports a 生意参谋 export for one owner, aggregated to `periodKind`.
 * Never throws on bad input: problems come back as `errors` (row 0 = the file or its header).
 * @example importSycm(readFileSync('shop.csv'), { employee_id: 'e1', periodKind: 'week' })
 */
export function importSycm(input: Uint8Array | string, options: SycmOptions): ImportResult {
  if (options.employee_id.trim() === '') return fail('employee_id', 'employee_id is required');
  const decoded = decodeText(input, options.encoding ?? 'auto');
  if (!decoded.ok) return fail('(encoding)', decoded.reason);

  const lines = decoded.text.split(/\r\n|\n|\r/);
  let headerLine = -1;
  let delimiter = ',';
  for (let i = 0; i < lines.length && headerLine < 0; i++) {
    const line = lines[i]!;
    const d = line.includes('\t') ? '\t' : ',';
    if (splitNaive(line, d).some((c) => DATE_COLUMNS.includes(c))) {
      headerLine = i;
      delimiter = d;
    }
  }
  if (headerLine < 0) return fail('统计日期', 'missing required column 统计日期 (no header row found)');

  let records: string[][];
  try {
    records = parse(lines.slice(headerLine).join('\n'), {
      delimiter,
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      skip_records_with_empty_values: true,
    });
  } catch (e) {
    return fail('(file)', `unreadable CSV: ${(e as Error).message}`);
  }
  const header = (records[0] ?? []).map(normalizeHeader);
  const find = (names: readonly string[]): number => {
    for (const n of names) {
      const i = header.indexOf(n);
      if (i >= 0) return i;
    }
    return -1;
  };
  const dateCol = find(DATE_COLUMNS);
  const cols = {
    gmv: find(COLUMNS.gmv),
    visitors: find(COLUMNS.visitors),
    buyers: find(COLUMNS.buyers),
    rate: find(COLUMNS.rate),
    aov: find(COLUMNS.aov),
  };
  const itemCol = find(COLUMNS.item);
  const warnings: string[] = [];
  if (options.itemIds && itemCol < 0) return fail('商品ID', 'itemIds given but the export has no 商品ID column');
  if (Object.values(cols).every((c) => c < 0)) {
    warnings.push('no usable metric columns (支付金额, 访客数, 支付买家数, 支付转化率, 客单价); nothing imported');
  }
  const wanted = options.itemIds ? new Set(options.itemIds) : null;
  const itemsSeen = new Set<string>();

  const errors: RowError[] = [];
  const observations: Observation[] = [];
  const dateField = header[dateCol]!;
  for (let r = 1; r < records.length; r++) {
    const rec = records[r]!;
    const cell = (i: number): string => (i >= 0 ? (rec[i] ?? '').trim() : '');
    const dateText = cell(dateCol);
    if (SUMMARY_ROWS.has(dateText)) {
      warnings.push(`row ${r}: summary row "${dateText}" skipped`);
      continue;
    }
    const item = itemCol >= 0 ? cell(itemCol) : '';
    if (wanted && !wanted.has(item)) continue;
    if (itemCol >= 0) {
      if (item === '') {
        errors.push({ row: r, field: header[itemCol]!, reason: 'empty 商品ID' });
        continue;
      }
      itemsSeen.add(item);
    }
    let bad = false;
    const range = parseSycmDateRange(dateText);
    if (!range) {
      errors.push({ row: r, field: dateField, reason: `bad date: "${dateText}"` });
      bad = true;
    }
    const num = (key: keyof typeof cols, kind: 'amount' | 'count' | 'rate'): number | null => {
      const i = cols[key];
      if (i < 0) return null;
      const parsed = parseSycmNumber(cell(i), kind);
      if (parsed.ok) return parsed.value;
      errors.push({ row: r, field: header[i]!, reason: parsed.reason });
      bad = true;
      return null;
    };
    const gmv = num('gmv', 'amount');
    const visitors = num('visitors', 'count');
    const buyers = num('buyers', 'count');
    const rate = num('rate', 'rate');
    const aov = num('aov', 'amount');
    if (bad || !range) continue;
    const days = daysBetween(range.start, range.end);
    // aov fallback weight: buyers implied by gmv / aov, else by visitors × rate, else days
    const aovWeight =
      aov !== null && aov > 0 && gmv !== null ? gmv / aov : visitors !== null && rate !== null ? visitors * rate : days;
    observations.push({
      employee_id: options.employee_id,
      series: item,
      row: r,
      dateField,
      start: range.start,
      end: range.end,
      gmv,
      visitors,
      buyers,
      rate: rate === null ? null : { value: rate, weight: visitors ?? days },
      aov: aov === null ? null : { value: aov, weight: aovWeight },
    });
  }

  if (wanted) {
    const missing = [...wanted].filter((id) => !itemsSeen.has(id));
    if (missing.length) warnings.push(`商品ID not in the export: ${missing.join(', ')}`);
  } else if (itemsSeen.size > 1) {
    warnings.push(
      `${itemsSeen.size} items summed per date; visitors and buyers are sums over items (a shopper counts once per item), not shop-level unique counts`,
    );
  }
  if (records.length <= 1) warnings.push('no data rows after the header');

  const available = {
    gmv: cols.gmv >= 0,
    visitors: cols.visitors >= 0,
    buyers: cols.buyers >= 0,
    rate: cols.rate >= 0,
    aov: cols.aov >= 0,
  };
  const result = aggregate(observations, available, {
    periodKind: options.periodKind,
    partial: options.partial ?? 'drop',
  });
  return {
    ...result,
    errors: [...errors, ...result.errors].sort((a, b) => a.row - b.row),
    warnings: [...warnings, ...result.warnings],
  };
}
