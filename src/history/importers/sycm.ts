/**
 * 生意参谋 (Taobao Business Advisor) shop or item report export → KPI history rows and daily values.
 *
 * Files: the CSV export (UTF-8 with or without BOM, or GBK), tab text saved from Excel (also
 * UTF-16LE "Unicode text"), the `.xls` (BIFF8) and `.xlsx` downloads, and a zip holding one of them
 * (自助取数). `importSycm` takes text; `importSycmFiles` / `importSycmFile` take any of these,
 * several files at once (a scraper's one file per day), and name the file in every error.
 *
 * The header is the first row that has a 统计日期 (or 日期) cell, at least one other known column,
 * and no cell that reads as a date or a number: metadata lines above it (`店铺名称,…`,
 * `统计日期,2026-06-01~2026-06-30`, `# 生意参谋 …`) are skipped.
 *
 * Columns (others such as 浏览量, 支付件数, 加购人数 are known and ignored):
 *   统计日期 (required; `2026-03-01`, `20260301`, `2026/3/1`, or a range `2026-03-01~2026-03-07`),
 *   支付金额 → gmv, 访客数 (item reports: 商品访客数) → visitors, 支付买家数 → buyers,
 *   支付转化率 (`3.25%`; a bare number is a 0–1 ratio, or a percent under a `(%)` header), 客单价,
 *   支付新买家数 / 新买家数 / 新客数 → new_customers,
 *   推广花费 (the total paid-promotion spend) → ad_spend; without a total column, ad_spend is the sum
 *   of the channel columns present: 直通车, 钻石展位, 引力魔方, 万相台, 超级推荐 (花费 or 消耗), 淘宝客佣金.
 * Header units: `(元)` / `(￥)` as is, `(万元)` / `(万)` × 10,000, `(%)` percent; any other unit is
 * read as is with a warning. Numbers may have thousands separators, a ¥ sign, and 万 / 亿 suffixes
 * (`1.25万` = 12,500: rounded as displayed, with a warning); `-`, `--` and empty cells mean "no value".
 *
 * Item reports (a 商品ID column): rows of all items are summed per date unless `itemIds` picks
 * some. Rows whose 商品ID is `-` are skipped with a warning; an ID in scientific notation
 * (`5.51563E+11`, what Excel leaves after a CSV round trip) is an error, since distinct items
 * would collide. Summed item visitors count a shopper once per item viewed (warned).
 * Shops (a 店铺名称 / 店铺名 column): several shops without a `shop` option is one error naming
 * them; with `shop`, only that shop's rows are read.
 * Summary rows (统计日期 = 合计 / 总计 / 汇总 / 平均) are skipped with a warning.
 */
import { parse } from 'csv-parse/sync';
import { DomainError } from '../../lib/errors.js';
import { readTableFile } from '../../lib/spreadsheet.js';
import { type Warning, warning } from '../../lib/warnings.js';
import { parseDate, type PeriodKind } from '../period.js';
import {
  aggregate,
  daysBetween,
  type Available,
  type ImportError,
  type ImportResult,
  type Observation,
  type PartialPolicy,
} from './aggregate.js';
import { decodeText, type TextEncoding } from './decode.js';

export interface SycmOptions {
  /** Owner of the shop or items; every output row carries it. */
  employee_id: string;
  periodKind: PeriodKind;
  /** Text files only. Default 'auto': UTF-16LE with BOM, else strict UTF-8, else GBK. */
  encoding?: TextEncoding;
  /** Partial periods are always warned about; 'drop' (default) leaves them out of `rows`. */
  partial?: PartialPolicy;
  /** Item reports only: use just these 商品ID values (default: sum all items per date). */
  itemIds?: readonly string[];
  /** Reports with a 店铺名称 / 店铺名 column: the shop to import (required when there are several). */
  shop?: string;
}

export interface SycmFile {
  name: string;
  bytes: Uint8Array;
}

export interface SycmFileOptions extends SycmOptions {
  /** Workbooks: the sheet to read (default: the first). */
  sheet?: string;
}

const DATE_COLUMNS = ['统计日期', '日期'];
const COLUMNS = {
  gmv: ['支付金额'],
  visitors: ['访客数', '商品访客数'],
  buyers: ['支付买家数'],
  rate: ['支付转化率', '商品支付转化率'],
  aov: ['客单价'],
  newCustomers: ['支付新买家数', '新买家数', '新客数', '新成交客户数'],
  spendTotal: ['推广花费', '付费推广花费', '推广消耗', '推广费用'],
} as const;
const SPEND_CHANNELS = [
  '直通车花费',
  '直通车消耗',
  '钻石展位花费',
  '钻石展位消耗',
  '钻展花费',
  '钻展消耗',
  '引力魔方花费',
  '引力魔方消耗',
  '万相台花费',
  '万相台消耗',
  '超级推荐花费',
  '超级推荐消耗',
  '淘宝客佣金',
];
const ITEM_COLUMNS = ['商品ID', '商品id', '商品Id'];
const SHOP_COLUMNS = ['店铺名称', '店铺名'];
/** Columns 生意参谋 exports that are read by nothing here, but mark a row as the header. */
const KNOWN_IGNORED = [
  '浏览量',
  '商品浏览量',
  '支付件数',
  '加购人数',
  '商品加购人数',
  '加购件数',
  '收藏人数',
  '商品收藏人数',
  '下单买家数',
  '下单金额',
  '下单转化率',
  '退款金额',
  '成功退款金额',
  '支付老买家数',
  '老买家数',
  '跳失率',
  '人均浏览量',
  '平均停留时长',
  '商品名称',
  '终端',
];
const KNOWN = new Set<string>([
  ...Object.values(COLUMNS).flat(),
  ...SPEND_CHANNELS,
  ...ITEM_COLUMNS,
  ...SHOP_COLUMNS,
  ...KNOWN_IGNORED,
]);
const SUMMARY_ROWS = new Set(['合计', '总计', '汇总', '平均', '均值', '平均值']);
const NO_VALUE = new Set(['', '-', '--', '—']);

const fail = (field: string, reason: string, file?: string): ImportResult => ({
  rows: [],
  errors: [{ ...(file === undefined ? {} : { file }), row: 0, field, reason }],
  warnings: [],
  periods: [],
  days: [],
});

/** A header cell without quotes, BOM and its trailing unit: `支付金额(元)` → `支付金额`. */
function headerName(h: string): string {
  return h
    .replace(/^\uFEFF/, '')
    .trim()
    .replace(/^"|"$/g, '')
    .replace(/\s*[（(][^）)]*[）)]$/, '')
    .trim();
}

/** The unit in a header's trailing parentheses (`支付金额（元）` → `元`), or ''. */
function headerUnit(h: string): string {
  return /[（(]\s*([^）)]*?)\s*[）)]\s*"?$/.exec(h.trim())?.[1] ?? '';
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

export type ParsedNumber = { ok: true; value: number | null; abbreviated?: boolean } | { ok: false; reason: string };

export interface NumberUnit {
  /** The column's values are percents even without a % sign (`支付转化率(%)`). */
  percent?: boolean;
  /** Multiplier from the header unit (`(万元)` → 10,000). */
  scale?: number;
}

const MAGNITUDE: Record<string, number> = { 万: 1e4, 亿: 1e8 };
const fix = (x: number): number => Number(x.toPrecision(12));

/**
 * Parses an exported number: `12,345.67`, `¥1,234`, `1.25万`, `3亿`, `3.25%` (→ 0.0325 when `rate`),
 * `-` (no value). Rates without `%` are 0–1 ratios, or percents when the header says `(%)`.
 * Negative values are refused: none of the used metrics can be.
 */
export function parseSycmNumber(raw: string, kind: 'amount' | 'count' | 'rate', unit: NumberUnit = {}): ParsedNumber {
  const s = raw.trim().replace(/^[¥￥]\s*/, '');
  if (NO_VALUE.has(s)) return { ok: true, value: null };
  const m = /^(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(万|亿)?\s*(%)?$/.exec(s);
  if (!m) return { ok: false, reason: `not a number: "${raw}"` };
  const magnitude = m[2] ? MAGNITUDE[m[2]]! : 1;
  const percent = m[3] === '%';
  let value = fix(Number(m[1]!.replaceAll(',', '')) * magnitude * (unit.scale ?? 1));
  if (value < 0) return { ok: false, reason: `negative: "${raw}"` };
  if (kind === 'rate') {
    if (percent || unit.percent) value = fix(value / 100);
    if (value > 1) return { ok: false, reason: `rate above 100 %: "${raw}"` };
  } else if (percent) {
    return { ok: false, reason: `unexpected %: "${raw}"` };
  }
  if (kind === 'count' && !Number.isInteger(value)) return { ok: false, reason: `not a whole number: "${raw}"` };
  return m[2] ? { ok: true, value, abbreviated: true } : { ok: true, value };
}

const looksLikeValue = (cell: string): boolean =>
  parseSycmDateRange(cell) !== null || /^[¥￥]?-?[\d,]+(\.\d+)?\s*(万|亿)?\s*%?$/.test(cell.trim());

/**
 * A real header: a date column, at least one other known column, and no cell that reads as a date
 * or a number (so `统计日期,2026-06-01~2026-06-30` above the header is not taken for it).
 */
export function isSycmHeader(cells: readonly string[]): boolean {
  const names = cells.map(headerName);
  if (!names.some((n) => DATE_COLUMNS.includes(n))) return false;
  if (cells.some((c) => c.trim() !== '' && looksLikeValue(c))) return false;
  return names.filter((n) => KNOWN.has(n)).length >= 1;
}

const NO_HEADER =
  'missing required column 统计日期 (no header row found: a header has 统计日期 and known columns such as 支付金额, 访客数, 支付买家数 and no dates or numbers)';

/**
 * Imports a 生意参谋 text export (CSV or tab text, as bytes or a string) for one owner.
 * Workbooks (.xls, .xlsx, zip) need `importSycmFile`. Never throws on bad input: problems come back
 * as `errors` (row 0 = the file or its header).
 * @example importSycm(readFileSync('shop.csv'), { employee_id: 'e1', periodKind: 'week' })
 */
export function importSycm(input: Uint8Array | string, options: SycmOptions): ImportResult {
  if (options.employee_id.trim() === '') return fail('employee_id', 'employee_id is required');
  const table = textTable(input, options.encoding ?? 'auto');
  if ('error' in table) return fail(table.field, table.error);
  return importSycmRows(table.header, table.records, options);
}

/** Bytes or text → header and data records (rows after the header, empty ones dropped). */
function textTable(
  input: Uint8Array | string,
  encoding: TextEncoding,
): { header: string[]; records: string[][] } | { error: string; field: string } {
  const decoded = decodeText(input, encoding);
  if (!decoded.ok) return { error: decoded.reason, field: '(encoding)' };
  const lines = decoded.text.split(/\r\n|\n|\r/);
  let headerLine = -1;
  let delimiter = ',';
  for (let i = 0; i < lines.length && headerLine < 0; i++) {
    const line = lines[i]!;
    const d = line.includes('\t') ? '\t' : ',';
    if (isSycmHeader(line.split(d))) {
      headerLine = i;
      delimiter = d;
    }
  }
  if (headerLine < 0) return { error: NO_HEADER, field: '统计日期' };
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
    return { error: `unreadable CSV: ${(e as Error).message}`, field: '(file)' };
  }
  return { header: records[0] ?? [], records: records.slice(1) };
}

/**
 * Reads several 生意参谋 files (CSV/text, .xls, .xlsx, or a zip of one) as one export: a month from
 * 30 daily files equals the month in one file. A day that two files both cover is an error naming
 * both. Never throws on bad input; every error carries the file name.
 */
export async function importSycmFiles(files: readonly SycmFile[], options: SycmFileOptions): Promise<ImportResult> {
  if (options.employee_id.trim() === '') return fail('employee_id', 'employee_id is required');
  if (files.length === 0) return fail('(file)', 'no file');
  const observations: Observation[] = [];
  const errors: ImportError[] = [];
  const warnings: Warning[] = [];
  const available: Available = {
    gmv: false,
    visitors: false,
    buyers: false,
    rate: false,
    aov: false,
    adSpend: false,
    newCustomers: false,
  };
  for (const f of files) {
    let table: { header: string[]; records: string[][] } | { error: string; field: string };
    try {
      const t = await readTableFile(f.bytes, { fileName: f.name, ...(options.sheet ? { sheet: options.sheet } : {}) });
      table = t.kind === 'text' ? textTable(t.bytes, options.encoding ?? 'auto') : workbookTable(t.rows);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      errors.push({ file: f.name, row: 0, field: '(file)', reason: e.message.replace(`${f.name}: `, '') });
      continue;
    }
    if ('error' in table) {
      errors.push({ file: f.name, row: 0, field: table.field, reason: table.error });
      continue;
    }
    const parsed = parseRows(table.header, table.records, options, f.name);
    errors.push(...parsed.errors);
    const label = files.length > 1 ? `${f.name}: ` : '';
    warnings.push(...parsed.warnings.map((w) => ({ ...w, message: label + w.message })));
    observations.push(...parsed.observations);
    for (const k of Object.keys(available) as (keyof Available)[]) available[k] ||= parsed.available[k];
  }
  return aggregate(
    observations,
    available,
    { periodKind: options.periodKind, partial: options.partial ?? 'drop' },
    {
      errors,
      warnings,
    },
  );
}

/** One file of any accepted kind; see importSycmFiles. */
export function importSycmFile(
  bytes: Uint8Array,
  options: SycmFileOptions & { fileName?: string },
): Promise<ImportResult> {
  return importSycmFiles([{ name: options.fileName ?? 'the file', bytes }], options);
}

function workbookTable(
  rows: readonly string[][],
): { header: string[]; records: string[][] } | { error: string; field: string } {
  const at = rows.findIndex((r) => isSycmHeader(r));
  if (at < 0) return { error: NO_HEADER, field: '统计日期' };
  return {
    header: rows[at]!,
    records: rows.slice(at + 1).filter((r) => r.some((c) => c.trim() !== '')),
  };
}

/** Imports rows already split into cells (a header and the data rows after it). */
export function importSycmRows(
  header: readonly string[],
  records: readonly string[][],
  options: SycmOptions,
): ImportResult {
  if (options.employee_id.trim() === '') return fail('employee_id', 'employee_id is required');
  const parsed = parseRows(header, records, options);
  return aggregate(
    parsed.observations,
    parsed.available,
    { periodKind: options.periodKind, partial: options.partial ?? 'drop' },
    parsed,
  );
}

interface Parsed {
  observations: Observation[];
  errors: ImportError[];
  warnings: Warning[];
  available: Available;
}

function parseRows(
  rawHeader: readonly string[],
  records: readonly string[][],
  options: SycmOptions,
  file?: string,
): Parsed {
  const at = (row: number, field: string, reason: string): ImportError => ({
    ...(file === undefined ? {} : { file }),
    row,
    field,
    reason,
  });
  const none: Available = {
    gmv: false,
    visitors: false,
    buyers: false,
    rate: false,
    aov: false,
    adSpend: false,
    newCustomers: false,
  };
  const stop = (field: string, reason: string): Parsed => ({
    observations: [],
    errors: [at(0, field, reason)],
    warnings: [],
    available: none,
  });
  const header = rawHeader.map(headerName);
  const find = (names: readonly string[]): number => {
    for (const n of names) {
      const i = header.indexOf(n);
      if (i >= 0) return i;
    }
    return -1;
  };
  const dateCol = find(DATE_COLUMNS);
  if (dateCol < 0) return stop('统计日期', 'missing required column 统计日期');
  const cols = {
    gmv: find(COLUMNS.gmv),
    visitors: find(COLUMNS.visitors),
    buyers: find(COLUMNS.buyers),
    rate: find(COLUMNS.rate),
    aov: find(COLUMNS.aov),
    newCustomers: find(COLUMNS.newCustomers),
  };
  const spendTotal = find(COLUMNS.spendTotal);
  const channels = SPEND_CHANNELS.map((n) => header.indexOf(n)).filter((i) => i >= 0);
  const spendCols = spendTotal >= 0 ? [spendTotal] : channels;
  const itemCol = find(ITEM_COLUMNS);
  const shopCol = find(SHOP_COLUMNS);
  const warnings: Warning[] = [];
  if (spendTotal >= 0 && channels.length > 0)
    warnings.push(
      warning(
        'columns_not_added',
        `ad_spend is ${header[spendTotal]}; ${channels.map((i) => header[i]).join(', ')} not added to it (counted in the total)`,
      ),
    );
  if (options.itemIds && itemCol < 0) return stop('商品ID', 'itemIds given but the export has no 商品ID column');
  const used = [...Object.values(cols), ...spendCols].filter((c) => c >= 0);
  if (used.length === 0)
    return stop(
      '(header)',
      `no usable metric column among ${rawHeader.join(', ')}; known: 支付金额, 访客数, 支付买家数, 支付转化率, 客单价, 支付新买家数, 推广花费, 直通车消耗 …`,
    );

  // header units
  const units = new Map<number, NumberUnit>();
  for (const i of used) {
    const unit = headerUnit(rawHeader[i] ?? '');
    if (unit === '' || ['元', '￥', '¥', 'CNY', 'RMB', '人', '个', '次', '件', '笔', '位'].includes(unit)) continue;
    if (unit === '%') units.set(i, { percent: true });
    else if (unit === '万元' || unit === '万' || unit === '万人') units.set(i, { scale: 1e4 });
    else
      warnings.push(
        warning('unit_not_understood', `${rawHeader[i]}: unit "${unit}" not understood; values read as they are`),
      );
  }

  // shops
  if (shopCol >= 0) {
    const shops = [...new Set(records.map((r) => (r[shopCol] ?? '').trim()).filter((s) => s !== ''))];
    if (options.shop !== undefined && !shops.includes(options.shop))
      return stop(
        header[shopCol]!,
        `shop "${options.shop}" not in the export; shops found: ${shops.join(', ') || 'none'}`,
      );
    if (options.shop === undefined && shops.length > 1)
      return stop(
        header[shopCol]!,
        `the export holds ${shops.length} shops (${shops.join(', ')}); import one at a time with shop=<name>`,
      );
  } else if (options.shop !== undefined) {
    return stop('shop', `shop "${options.shop}" given but the export has no 店铺名称 / 店铺名 column`);
  }

  const wanted = options.itemIds ? new Set(options.itemIds) : null;
  const itemsSeen = new Set<string>();
  const noItemRows: number[] = [];
  const abbreviated: string[] = [];
  const errors: ImportError[] = [];
  const observations: Observation[] = [];
  const dateField = header[dateCol]!;
  for (let k = 0; k < records.length; k++) {
    const r = k + 1;
    const rec = records[k]!;
    const cell = (i: number): string => (i >= 0 ? (rec[i] ?? '').trim() : '');
    const dateText = cell(dateCol);
    if (SUMMARY_ROWS.has(dateText)) {
      warnings.push(warning('rows_skipped', `row ${r}: summary row "${dateText}" skipped`));
      continue;
    }
    const shop = shopCol >= 0 ? cell(shopCol) : '';
    if (options.shop !== undefined && shop !== options.shop) continue;
    const item = itemCol >= 0 ? cell(itemCol) : '';
    if (itemCol >= 0) {
      if (NO_VALUE.has(item) && item !== '') {
        noItemRows.push(r);
        continue;
      }
      if (/^\d+(\.\d+)?[eE]\+?\d+$/.test(item)) {
        errors.push(
          at(
            r,
            header[itemCol]!,
            `"${item}" is an ID in scientific notation (Excel rounds long numbers when it saves CSV): its digits are lost and items would collide; export again, or format the column as text before saving`,
          ),
        );
        continue;
      }
    }
    if (wanted && !wanted.has(item)) continue;
    if (itemCol >= 0) {
      if (item === '') {
        errors.push(at(r, header[itemCol]!, 'empty 商品ID'));
        continue;
      }
      itemsSeen.add(item);
    }
    let bad = false;
    const range = parseSycmDateRange(dateText);
    if (!range) {
      errors.push(at(r, dateField, `bad date: "${dateText}"`));
      bad = true;
    }
    const num = (i: number, kind: 'amount' | 'count' | 'rate'): number | null => {
      if (i < 0) return null;
      const parsed = parseSycmNumber(cell(i), kind, units.get(i));
      if (parsed.ok) {
        if (parsed.abbreviated && abbreviated.length < 3) abbreviated.push(`row ${r} ${header[i]} "${cell(i)}"`);
        return parsed.value;
      }
      errors.push(at(r, header[i]!, parsed.reason));
      bad = true;
      return null;
    };
    const gmv = num(cols.gmv, 'amount');
    const visitors = num(cols.visitors, 'count');
    const buyers = num(cols.buyers, 'count');
    const rate = num(cols.rate, 'rate');
    const aov = num(cols.aov, 'amount');
    const newCustomers = num(cols.newCustomers, 'count');
    let adSpend: number | null = null;
    for (const i of spendCols) {
      const v = num(i, 'amount');
      if (v !== null) adSpend = fix((adSpend ?? 0) + v);
    }
    if (bad || !range) continue;
    const days = daysBetween(range.start, range.end);
    // aov fallback weight: buyers implied by gmv / aov, else by visitors × rate, else days
    const aovWeight =
      aov !== null && aov > 0 && gmv !== null ? gmv / aov : visitors !== null && rate !== null ? visitors * rate : days;
    observations.push({
      employee_id: options.employee_id,
      shop,
      series: item,
      ...(file === undefined ? {} : { file }),
      row: r,
      dateField,
      start: range.start,
      end: range.end,
      gmv,
      visitors,
      buyers,
      adSpend,
      newCustomers,
      rate: rate === null ? null : { value: rate, weight: visitors ?? days },
      aov: aov === null ? null : { value: aov, weight: aovWeight },
    });
  }

  if (noItemRows.length)
    warnings.push(
      warning(
        'rows_skipped',
        `${noItemRows.length} row(s) with 商品ID "-" skipped (no item): row ${noItemRows.slice(0, 10).join(', ')}${noItemRows.length > 10 ? ', …' : ''}`,
      ),
    );
  if (abbreviated.length)
    warnings.push(
      warning(
        'estimated_values',
        `values abbreviated with 万/亿 are rounded as displayed (${abbreviated.join('; ')}); export exact figures where you can`,
      ),
    );
  if (wanted) {
    const missing = [...wanted].filter((id) => !itemsSeen.has(id));
    if (missing.length) warnings.push(warning('items_not_found', `商品ID not in the export: ${missing.join(', ')}`));
  } else if (itemsSeen.size > 1) {
    warnings.push(
      warning(
        'items_summed',
        `${itemsSeen.size} items summed per date; visitors and buyers are sums over items (a shopper counts once per item), not shop-level unique counts`,
      ),
    );
  }
  if (records.length === 0) warnings.push(warning('no_data', 'no data rows after the header'));

  const available: Available = {
    gmv: cols.gmv >= 0,
    visitors: cols.visitors >= 0,
    buyers: cols.buyers >= 0,
    rate: cols.rate >= 0,
    aov: cols.aov >= 0,
    adSpend: spendCols.length > 0,
    newCustomers: cols.newCustomers >= 0,
  };
  return { observations, errors, warnings, available };
}
