/**
 * 生意参谋 and GA4 exports as people download them: workbooks, one file per day, several shops,
 * Excel round trips, ROI / CAC, proto_to_dict JSON. Fixtures and their layouts: test/fixtures/importers/README.md.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type DailyValue,
  type ImportResult,
  importGa4Report,
  importSycm,
  importSycmFile,
  importSycmFiles,
  isSycmHeader,
  parseSycmNumber,
  rollUp,
} from '../../src/history/importers/index.js';
import type { HistoryInput } from '../../src/history/types.js';
import { toXlsx } from '../../src/lib/spreadsheet.js';

/** The messages of importer warnings ({code, message}). */
const messages = (ws: readonly { message: string }[]) => ws.map((w) => w.message);

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/importers/${name}`, import.meta.url));
const dailyFiles = (): { name: string; bytes: Buffer }[] =>
  Array.from({ length: 30 }, (_, i) => {
    const name = `2026-06-${String(i + 1).padStart(2, '0')}.csv`;
    return { name, bytes: fixture(`sycm-daily-2026-06/${name}`) };
  });
const SHOP_A = '示例家居旗舰店（虚构）';
const SHOP_B = '示例家居专营店（虚构）';
const month = { employee_id: 'e1', periodKind: 'month' } as const;

function table(rows: HistoryInput[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const r of rows) (out[r.period] ??= {})[r.metric_id] = r.value;
  return out;
}

// Σ over the 30 daily rows of make-fixtures.mjs (checked by hand with a separate script):
// 支付金额 111,648.00, 访客数 45,750, 支付买家数 1,059, 直通车 + 万相台 + 引力魔方 10,726.25, 支付新买家数 476
const JUNE = {
  gmv: 111648,
  visitors: 45750,
  conversion_rate: 0.023148, // 1059 / 45750
  aov: 105.43, // 111648 / 1059
  ad_spend: 10726.25,
  new_customers: 476,
  roi: 10.4089, // 111648 / 10726.25
  cac: 22.53, // 10726.25 / 476
};

describe('生意参谋 workbooks and daily files', () => {
  it('reads the BIFF8 .xls (xlwt): metadata lines with a 统计日期 range above the header are skipped', async () => {
    const res = await importSycmFile(fixture('sycm-shop-2026-06.xls'), { ...month, fileName: 'june.xls' });
    expect(res.errors).toEqual([]);
    expect(table(res.rows)).toEqual({ '2026-06': JUNE });
    expect(res.periods).toEqual([expect.objectContaining({ period: '2026-06', covered_days: 30, partial: false })]);
    expect(messages(res.warnings)).toEqual([
      'values abbreviated with 万/亿 are rounded as displayed (row 15 访客数 "1.25万"); export exact figures where you can',
    ]);
  });

  it('assembles the month from 30 daily files into exactly what the month file gives, days included', async () => {
    const xls = await importSycmFile(fixture('sycm-shop-2026-06.xls'), { ...month, fileName: 'june.xls' });
    const daily = await importSycmFiles(dailyFiles(), month);
    expect(daily.errors).toEqual([]);
    expect(daily.rows).toEqual(xls.rows);
    expect(daily.periods).toEqual(xls.periods);
    expect(daily.days).toEqual(xls.days);
    const zip = await importSycmFile(fixture('sycm-zqs-2026-06.zip'), { ...month, fileName: 'zqs.zip' });
    expect(zip.errors).toEqual([]);
    expect(zip.rows).toEqual(xls.rows);
  });

  it('gives daily values a daily store can keep, and rolls stored days up to the same periods', async () => {
    const files = dailyFiles();
    const one = await importSycmFiles([files[0]!], month);
    expect(one.rows).toEqual([]); // one day of June: partial, dropped
    expect(one.days).toEqual([
      { employee_id: 'e1', shop: '', date: '2026-06-01', through: '2026-06-01', metric: 'gmv', value: 2089.5 },
      { employee_id: 'e1', shop: '', date: '2026-06-01', through: '2026-06-01', metric: 'visitors', value: 1037 },
      { employee_id: 'e1', shop: '', date: '2026-06-01', through: '2026-06-01', metric: 'buyers', value: 21 },
      { employee_id: 'e1', shop: '', date: '2026-06-01', through: '2026-06-01', metric: 'ad_spend', value: 287.75 },
      { employee_id: 'e1', shop: '', date: '2026-06-01', through: '2026-06-01', metric: 'new_customers', value: 9 },
      {
        employee_id: 'e1',
        shop: '',
        date: '2026-06-01',
        through: '2026-06-01',
        metric: 'conversion_rate',
        value: 0.0203, // 支付转化率(%) 2.03
        weight: 1037,
      },
      {
        employee_id: 'e1',
        shop: '',
        date: '2026-06-01',
        through: '2026-06-01',
        metric: 'aov',
        value: 99.5,
        weight: 21,
      },
    ]);
    // a store that kept each file's days, re-sent days replacing themselves, rolls up to the month
    const store = new Map<string, DailyValue>();
    for (const f of [...files, files[4]!, files[17]!]) {
      for (const d of (await importSycmFiles([f], month)).days)
        store.set(`${d.employee_id}|${d.shop}|${d.date}|${d.metric}`, d);
    }
    const rolled = rollUp([...store.values()].reverse(), { periodKind: 'month' });
    expect(table(rolled.rows)).toEqual({ '2026-06': JUNE });
    expect(rolled.periods[0]).toMatchObject({ covered_days: 30, partial: false });
    // and weeks from the same days: 2026-06-01 is a Monday, so W23..W26 are whole and W27 (29, 30) partial
    const weeks = rollUp([...store.values()], { periodKind: 'week' });
    expect(weeks.periods.map((p) => [p.period, p.covered_days, p.emitted])).toEqual([
      ['2026-W23', 7, true],
      ['2026-W24', 7, true],
      ['2026-W25', 7, true],
      ['2026-W26', 7, true],
      ['2026-W27', 2, false],
    ]);
  });

  it('refuses a day that two files both cover, naming both files', async () => {
    const files = dailyFiles();
    const res = await importSycmFiles([files[0]!, files[1]!, { name: 'again.csv', bytes: files[1]!.bytes }], month);
    expect(res.errors).toEqual([
      {
        file: 'again.csv',
        row: 1,
        field: '统计日期',
        reason: '2026-06-02 is already covered by 2026-06-02.csv row 1',
      },
    ]);
  });

  it('refuses a password-protected workbook and a corrupt one by file name, reading the others', async () => {
    const res = await importSycmFiles(
      [
        { name: 'june.xlsx', bytes: fixture('sycm-encrypted.xlsx') },
        { name: 'june.xls', bytes: fixture('sycm-encrypted.xls') },
        { name: 'cut.xls', bytes: fixture('sycm-shop-2026-06.xls').subarray(0, 2048) },
        dailyFiles()[0]!,
      ],
      month,
    );
    expect(res.errors).toEqual([
      { file: 'cut.xls', row: 0, field: '(file)', reason: expect.stringMatching(/^corrupt \.xls/) },
      { file: 'june.xls', row: 0, field: '(file)', reason: expect.stringMatching(/^password-protected workbook/) },
      { file: 'june.xlsx', row: 0, field: '(file)', reason: expect.stringMatching(/^password-protected workbook/) },
    ]);
    expect(res.days).toHaveLength(7); // the readable file's day is still there
  });

  it('names the file, data row and column of a bad cell in a workbook, as for CSV', async () => {
    const bytes = await toXlsx(
      ['统计日期', '2026-06-01~2026-06-02'],
      [
        [],
        ['统计日期', '访客数', '支付金额(元)'],
        ['2026-06-01', 100, 50],
        ['2026-06-02', '1,2x3', 60],
        ['2026-06-31', 1, 1],
      ],
    );
    const res = await importSycmFile(bytes, { ...month, fileName: 'bad.xlsx' });
    expect(res.errors).toEqual([
      { file: 'bad.xlsx', row: 2, field: '访客数', reason: 'not a number: "1,2x3"' },
      { file: 'bad.xlsx', row: 3, field: '统计日期', reason: 'bad date: "2026-06-31"' },
    ]);
  });

  it('tells a workbook given to the text importer to use the file importer', () => {
    const res = importSycm(fixture('sycm-shop-2026-06.xls'), month);
    expect(res.errors).toEqual([{ row: 0, field: '(encoding)', reason: expect.stringContaining('.xls') }]);
  });
});

describe('生意参谋 shops', () => {
  it('refuses several shops without a shop filter with one error naming them', async () => {
    const res = await importSycmFile(fixture('sycm-two-shops-2026-06.xlsx'), { ...month, fileName: 'shops.xlsx' });
    expect(res.rows).toEqual([]);
    expect(res.errors).toEqual([
      {
        file: 'shops.xlsx',
        row: 0,
        field: '店铺名称',
        reason: `the export holds 2 shops (${SHOP_A}, ${SHOP_B}); import one at a time with shop=<name>`,
      },
    ]);
  });

  it('imports only the chosen shop, with 推广花费 as ad_spend and 新客数 as new_customers', async () => {
    const a = await importSycmFile(fixture('sycm-two-shops-2026-06.xlsx'), { ...month, shop: SHOP_A });
    expect(a.errors).toEqual([]);
    expect(table(a.rows)).toEqual({ '2026-06': JUNE }); // shop A is the same invented shop as the month file
    expect(new Set(a.days.map((d) => d.shop))).toEqual(new Set([SHOP_A]));
    const b = await importSycmFile(fixture('sycm-two-shops-2026-06.xlsx'), { ...month, shop: SHOP_B });
    expect(table(b.rows)['2026-06']?.gmv).toBeLessThan(JUNE.gmv);
    const none = await importSycmFile(fixture('sycm-two-shops-2026-06.xlsx'), {
      ...month,
      shop: '别的店',
      fileName: 's.xlsx',
    });
    expect(none.errors).toEqual([
      {
        file: 's.xlsx',
        row: 0,
        field: '店铺名称',
        reason: `shop "别的店" not in the export; shops found: ${SHOP_A}, ${SHOP_B}`,
      },
    ]);
    const noColumn = await importSycmFiles([dailyFiles()[0]!], { ...month, shop: SHOP_A });
    expect(noColumn.errors).toEqual([
      { file: '2026-06-01.csv', row: 0, field: 'shop', reason: expect.stringContaining('no 店铺名称 / 店铺名 column') },
    ]);
  });
});

describe('生意参谋 cells and headers', () => {
  it('does not take a metadata line for the header; a real header has known columns and no values', () => {
    expect(isSycmHeader(['统计日期', '2026-06-01~2026-06-30'])).toBe(false);
    expect(isSycmHeader(['统计日期', '2026-06-05'])).toBe(false);
    expect(isSycmHeader(['统计日期', '示例'])).toBe(false);
    expect(isSycmHeader(['统计日期', '访客数', '支付金额(元)'])).toBe(true);
    const csv = '统计日期,2026-06-01~2026-06-30\n\n统计日期,访客数,支付买家数\n2026-06-01,100,2\n';
    const res = importSycm(csv, { ...month, partial: 'include' });
    expect(res.errors).toEqual([]);
    expect(table(res.rows)['2026-06']).toEqual({ visitors: 100, conversion_rate: 0.02 });
  });

  it('reads 万 and 亿 values and the (万元) and (%) header units', () => {
    expect(parseSycmNumber('1.25万', 'count')).toEqual({ ok: true, value: 12500, abbreviated: true });
    expect(parseSycmNumber('3亿', 'amount')).toEqual({ ok: true, value: 300_000_000, abbreviated: true });
    expect(parseSycmNumber('1.1万', 'amount')).toEqual({ ok: true, value: 11000, abbreviated: true });
    expect(parseSycmNumber('1.23456万', 'count')).toEqual({ ok: false, reason: 'not a whole number: "1.23456万"' });
    expect(parseSycmNumber('0.23', 'rate', { percent: true })).toEqual({ ok: true, value: 0.0023 });
    expect(parseSycmNumber('0.23%', 'rate', { percent: true })).toEqual({ ok: true, value: 0.0023 });
    expect(parseSycmNumber('0.23', 'rate')).toEqual({ ok: true, value: 0.23 });
    expect(parseSycmNumber('1.5', 'amount', { scale: 1e4 })).toEqual({ ok: true, value: 15000 });
    const csv = [
      '统计日期,访客数,支付金额(万元),支付转化率(%)',
      '2026-06-01,"1,000",1.5,0.23', // 0.23 % of 1000 visitors
      '2026-06-02,3000,0.5,2',
    ].join('\n');
    const res = importSycm(csv, { ...month, partial: 'include' });
    expect(res.errors).toEqual([]);
    // conversion weighted by visitors: (0.0023 × 1000 + 0.02 × 3000) / 4000
    expect(table(res.rows)['2026-06']).toEqual({ visitors: 4000, gmv: 20000, conversion_rate: 0.015575 });
  });

  it('reads a rate above 100 under (%) as an error naming the row and column', () => {
    const res = importSycm('统计日期,访客数,支付转化率(%)\n2026-06-01,10,120\n', { ...month, partial: 'include' });
    expect(res.errors).toEqual([{ row: 1, field: '支付转化率', reason: 'rate above 100 %: "120"' }]);
  });

  it('refuses IDs in scientific notation by file, row and column, and skips 商品ID "-" rows with a warning', async () => {
    const res = await importSycmFile(fixture('sycm-item-excel-roundtrip.csv'), {
      employee_id: 'e1',
      periodKind: 'week',
      fileName: 'items.csv',
    });
    const reason = expect.stringContaining('"5.51563E+11" is an ID in scientific notation');
    expect(res.errors).toEqual([
      { file: 'items.csv', row: 1, field: '商品ID', reason },
      { file: 'items.csv', row: 2, field: '商品ID', reason },
    ]);
    expect(messages(res.warnings)).toContain('1 row(s) with 商品ID "-" skipped (no item): row 3');
  });

  it('sums the 推广 channel columns into ad_spend, or takes the total column alone', () => {
    const channels = importSycm(
      '统计日期,支付金额,直通车消耗(元),万相台花费,引力魔方消耗\n2026-06-01,1000,100,50,-\n',
      {
        ...month,
        partial: 'include',
      },
    );
    expect(table(channels.rows)['2026-06']).toEqual({ gmv: 1000, ad_spend: 150, roi: 6.6667 });
    const total = importSycm('统计日期,支付金额,推广花费,直通车花费,新买家数\n2026-06-01,1000,400,100,8\n', {
      ...month,
      partial: 'include',
    });
    expect(table(total.rows)['2026-06']).toEqual({ gmv: 1000, ad_spend: 400, new_customers: 8, roi: 2.5, cac: 50 });
    expect(messages(total.warnings)).toContain(
      'ad_spend is 推广花费; 直通车花费 not added to it (counted in the total)',
    );
    const free = importSycm('统计日期,支付金额,推广花费,新客数\n2026-06-01,1000,0,0\n', {
      ...month,
      partial: 'include',
    });
    expect(table(free.rows)['2026-06']).toEqual({ gmv: 1000, ad_spend: 0, new_customers: 0 });
    expect(messages(free.warnings)).toEqual(
      expect.arrayContaining([
        '2026-06 (e1): no ad spend, roi not computed',
        '2026-06 (e1): no new customers, cac not computed',
      ]),
    );
  });

  it('answers a header without any usable metric with an error listing what it found', () => {
    const res = importSycm('统计日期,浏览量,商品名称\n2026-06-01,10,x\n', month);
    expect(res.errors).toEqual([
      { row: 0, field: '(header)', reason: expect.stringContaining('统计日期, 浏览量, 商品名称') },
    ]);
  });
});

describe('GA4 as Google’s Python client writes it', () => {
  const camel = () => importGa4Report(fixture('ga4-roi-daily.json'), month);

  it('imports the proto_to_dict JSON (snake_case, type_, integer enums) exactly as the REST JSON', () => {
    const snake = importGa4Report(fixture('ga4-roi-daily.snake.json'), month);
    expect(snake.errors).toEqual([]);
    expect(snake).toEqual(camel());
  });

  it('imports advertiserAdCost and firstTimePurchasers, deriving roi and cac per period', () => {
    const res = camel();
    expect(res.errors).toEqual([]);
    // cost = 直通车 + 万相台 of the invented days: 9,626.25
    expect(table(res.rows)['2026-06']).toEqual({
      ...JUNE,
      ad_spend: 9626.25,
      roi: 11.5983, // 111648 / 9626.25
      cac: 20.22, // 9626.25 / 476
    });
    expect(res.warnings).toEqual([]);
  });

  it('explains newUsers are not customers when cost comes without firstTimePurchasers', () => {
    const report = {
      dimension_headers: [{ name: 'date' }],
      metric_headers: [
        { name: 'advertiserAdCost', type_: 9 },
        { name: 'newUsers', type_: 'TYPE_INTEGER' },
      ],
      rows: [{ dimension_values: [{ value: '20260601' }], metric_values: [{ value: '10.5' }, { value: '7' }] }],
      row_count: 1,
    };
    const res = importGa4Report(report, { ...month, partial: 'include' });
    expect(res.errors).toEqual([]);
    expect(table(res.rows)['2026-06']).toEqual({ ad_spend: 10.5 });
    expect(messages(res.warnings)).toContain(
      'newUsers are new visitors, not customers: add firstTimePurchasers to import new_customers and cac',
    );
  });

  it('answers a report whose metrics are all unknown with the reason, as an error and a warning', () => {
    const res: ImportResult = importGa4Report(
      {
        dimension_headers: [{ name: 'date' }],
        metric_headers: [
          { name: 'screenPageViews', type_: 1 },
          { name: 'engagementRate', type_: 2 },
        ],
        rows: [{ dimension_values: [{ value: '20260601' }], metric_values: [{ value: '1' }, { value: '0.5' }] }],
      },
      month,
    );
    expect(res.rows).toEqual([]);
    expect(res.errors).toEqual([
      { row: 0, field: 'metricHeaders', reason: expect.stringContaining('(screenPageViews, engagementRate)') },
    ]);
    expect(messages(res.warnings)).toEqual([expect.stringContaining('no usable metric')]);
  });

  it('still names the snake_case row and header of a bad value', () => {
    const res = importGa4Report(
      {
        dimension_headers: [{ name: 'date' }],
        metric_headers: [{ name: 'totalUsers', type_: 1 }],
        rows: [
          { dimension_values: [{ value: '20260601' }], metric_values: [{ value: '3' }] },
          { dimension_values: [{ value: '20260602' }], metric_values: [{ value: 'x' }] },
        ],
      },
      month,
    );
    expect(res.errors).toEqual([{ row: 2, field: 'totalUsers', reason: 'not a number: "x"' }]);
  });
});
