import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { importSycm, parseSycmDateRange, parseSycmNumber } from '../../src/history/importers/sycm.js';
import type { HistoryInput } from '../../src/history/types.js';

/** The messages of importer warnings ({code, message}). */
const messages = (ws: readonly { message: string }[]) => ws.map((w) => w.message);

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/importers/${name}`, import.meta.url));

/** period → metric → value */
function table(rows: HistoryInput[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const r of rows) (out[r.period] ??= {})[r.metric_id] = r.value;
  return out;
}

describe('生意参谋 shop export', () => {
  it('aggregates days into ISO weeks from sums, skipping metadata lines', () => {
    const res = importSycm(fixture('sycm-shop-daily.utf8.csv'), { employee_id: 'e1', periodKind: 'week' });
    expect(res.errors).toEqual([]);
    expect(res.rows.every((r) => r.employee_id === 'e1')).toBe(true);
    // W10 = 2026-03-02..08: visitors 1000+1100+900+1000+1500+2000+1500 = 9000,
    // buyers 30+33+27+40+45+50+35 = 260, gmv 3000+3630+2430+4800+5400+6000+3500 = 28760
    // W11 = 2026-03-09..15: visitors 6×1000 + 12345 = 18345, buyers 6×20 + 300 = 420, gmv 6×2000 + 36000 = 48000
    expect(table(res.rows)).toEqual({
      '2026-W10': { gmv: 28760, visitors: 9000, conversion_rate: 0.028889, aov: 110.62 }, // 260/9000, 28760/260
      '2026-W11': { gmv: 48000, visitors: 18345, conversion_rate: 0.022895, aov: 114.29 }, // 420/18345, 48000/420
    });
  });

  it('reports the partial first week (2026-03-01 is a Sunday, the last day of W09) and drops it by default', () => {
    const res = importSycm(fixture('sycm-shop-daily.utf8.csv'), { employee_id: 'e1', periodKind: 'week' });
    const w09 = res.periods.find((p) => p.period === '2026-W09');
    expect(w09).toMatchObject({
      start: '2026-02-23',
      end: '2026-03-01',
      covered_days: 1,
      total_days: 7,
      partial: true,
      emitted: false,
    });
    expect(messages(res.warnings).some((w) => w.includes('2026-W09') && w.includes('1 of 7 days'))).toBe(true);
    expect(res.rows.some((r) => r.period === '2026-W09')).toBe(false);
  });

  it('imports partial periods when asked, still warning', () => {
    const res = importSycm(fixture('sycm-shop-daily.utf8.csv'), {
      employee_id: 'e1',
      periodKind: 'month',
      partial: 'include',
    });
    // March: 4320 + 28760 + 48000 = 81080 over 15 of 31 days
    expect(table(res.rows)['2026-03']?.gmv).toBe(81080);
    expect(res.periods).toEqual([
      expect.objectContaining({ period: '2026-03', covered_days: 15, total_days: 31, partial: true, emitted: true }),
    ]);
    expect(messages(res.warnings).some((w) => w.includes('2026-03') && w.includes('15 of 31'))).toBe(true);
  });

  it('reads the GBK export the same as UTF-8, with auto and explicit encoding', () => {
    const utf8 = importSycm(fixture('sycm-shop-daily.utf8.csv'), { employee_id: 'e1', periodKind: 'week' });
    const gbk = fixture('sycm-shop-daily.gbk.csv');
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(gbk)).toThrow(); // really not UTF-8
    expect(importSycm(gbk, { employee_id: 'e1', periodKind: 'week' }).rows).toEqual(utf8.rows);
    expect(importSycm(gbk, { employee_id: 'e1', periodKind: 'week', encoding: 'gbk' }).rows).toEqual(utf8.rows);
  });

  it('accepts a UTF-8 BOM and refuses GBK bytes declared as UTF-8', () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), fixture('sycm-shop-daily.utf8.csv')]);
    expect(importSycm(bom, { employee_id: 'e1', periodKind: 'week', encoding: 'utf-8' }).rows).toHaveLength(8);
    const res = importSycm(fixture('sycm-shop-daily.gbk.csv'), {
      employee_id: 'e1',
      periodKind: 'week',
      encoding: 'utf-8',
    });
    expect(res.rows).toEqual([]);
    expect(res.errors).toEqual([{ row: 0, field: '(encoding)', reason: expect.stringContaining('UTF-8') }]);
  });

  it('reads tab-separated UTF-16LE text saved from the .xls export', () => {
    const text = readFileSync(new URL('../fixtures/importers/sycm-shop-daily.utf8.csv', import.meta.url), 'utf8')
      .split('\n')
      .map((line) =>
        line
          .replace(/"([^"]*)"/g, (_, v: string) => v.replaceAll(',', '§'))
          .replaceAll(',', '\t')
          .replaceAll('§', ','),
      )
      .join('\r\n');
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const res = importSycm(bytes, { employee_id: 'e1', periodKind: 'week' });
    expect(res.errors).toEqual([]);
    expect(table(res.rows)['2026-W11']).toEqual({
      gmv: 48000,
      visitors: 18345,
      conversion_rate: 0.022895,
      aov: 114.29,
    });
  });

  it('names the row and the Chinese column of a bad number and a bad date', () => {
    const res = importSycm(fixture('sycm-shop-bad-rows.csv'), { employee_id: 'e1', periodKind: 'week' });
    expect(res.errors).toEqual([
      { row: 3, field: '访客数', reason: 'not a number: "1,2x3"' },
      { row: 5, field: '统计日期', reason: 'bad date: "20260230"' },
    ]);
  });

  it('reports a missing 统计日期 column as row 0', () => {
    const res = importSycm('店铺名称,示例\n日期范围,访客数\n2026-03-01,10\n', {
      employee_id: 'e1',
      periodKind: 'week',
    });
    expect(res.errors).toEqual([{ row: 0, field: '统计日期', reason: expect.stringContaining('missing') }]);
  });

  it('falls back to the visitor-weighted 支付转化率 and buyer-weighted 客单价 without 支付买家数', () => {
    const csv = [
      '统计日期,访客数,支付金额,支付转化率,客单价',
      '2026-03-02,1000,"3,000.00",3.00%,100.00', // implied buyers 30
      '2026-03-03,3000,"3,000.00",1.00%,100.00', // implied buyers 30
      '2026-03-04,-,-,-,-',
      '2026-03-05,1000,"2,000.00",0.01,200.00', // ratio without %; implied buyers 10
      '2026-03-06,0,0.00,-,-',
      '2026-03-07,0,0.00,-,-',
      '2026-03-08,0,0.00,-,-',
    ].join('\n');
    const res = importSycm(csv, { employee_id: 'e1', periodKind: 'week' });
    expect(res.errors).toEqual([]);
    // conversion: (0.03×1000 + 0.01×3000 + 0.01×1000) / 5000 = 70/5000 = 0.014 (not the plain mean 0.01667)
    // aov: weights = gmv/aov = 30, 30, 10 → (100×30 + 100×30 + 200×10) / 70 = 8000/70 = 114.29
    expect(table(res.rows)).toEqual({ '2026-W10': { gmv: 8000, visitors: 5000, conversion_rate: 0.014, aov: 114.29 } });
  });

  it('emits only the metrics whose columns are present', () => {
    const csv = [
      '统计日期,访客数,浏览量',
      ...['02', '03', '04', '05', '06', '07', '08'].map((d) => `2026-03-${d},100,300`),
    ].join('\n');
    const res = importSycm(csv, { employee_id: 'e1', periodKind: 'week' });
    expect(res.rows).toEqual([{ employee_id: 'e1', metric_id: 'visitors', period: '2026-W10', value: 700 }]);
  });

  it('keeps ISO weeks across the year end: 2026-12-28..2027-01-03 is 2026-W53', () => {
    const dates = ['2026-12-28', '2026-12-29', '2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02', '2027-01-03'];
    const csv = ['统计日期,访客数,支付买家数,支付金额', ...dates.map((d) => `${d},100,2,200.00`)].join('\n');
    const week = importSycm(csv, { employee_id: 'e1', periodKind: 'week' });
    expect(table(week.rows)).toEqual({ '2026-W53': { visitors: 700, gmv: 1400, conversion_rate: 0.02, aov: 100 } });
    expect(week.warnings).toEqual([]);
    const month = importSycm(csv, { employee_id: 'e1', periodKind: 'month', partial: 'include' });
    expect(table(month.rows)).toEqual({
      '2026-12': { visitors: 400, gmv: 800, conversion_rate: 0.02, aov: 100 },
      '2027-01': { visitors: 300, gmv: 600, conversion_rate: 0.02, aov: 100 },
    });
    expect(month.periods.map((p) => [p.period, p.covered_days, p.total_days])).toEqual([
      ['2026-12', 4, 31],
      ['2027-01', 3, 31],
    ]);
  });

  it('accepts date ranges inside one period and refuses ranges that straddle two', () => {
    const csv = [
      '统计日期,访客数,支付金额',
      '2026-03-02~2026-03-08,7000,"70,000.00"',
      '2026-03-30~2026-04-05,7000,"70,000.00"',
    ].join('\n');
    const week = importSycm(csv, { employee_id: 'e1', periodKind: 'week' });
    expect(week.errors).toEqual([]);
    expect(table(week.rows)).toEqual({
      '2026-W10': { visitors: 7000, gmv: 70000 },
      '2026-W14': { visitors: 7000, gmv: 70000 },
    });
    const month = importSycm(csv, { employee_id: 'e1', periodKind: 'month', partial: 'include' });
    expect(month.errors).toEqual([
      { row: 2, field: '统计日期', reason: expect.stringContaining('spans 2026-03 and 2026-04') },
    ]);
  });

  it('refuses a date repeated in a shop report', () => {
    const res = importSycm('统计日期,访客数\n2026-03-02,1\n2026/3/2,2\n', { employee_id: 'e1', periodKind: 'week' });
    expect(res.errors).toEqual([{ row: 2, field: '统计日期', reason: '2026-03-02 is already covered by row 1' }]);
  });

  it('skips a 合计 summary row with a warning', () => {
    const res = importSycm('统计日期,访客数\n2026-03-02,1\n合计,1\n', {
      employee_id: 'e1',
      periodKind: 'week',
      partial: 'include',
    });
    expect(res.errors).toEqual([]);
    expect(messages(res.warnings)).toContain('row 2: summary row "合计" skipped');
  });
});

describe('生意参谋 item export', () => {
  it('sums all items per date by default, and says so', () => {
    const res = importSycm(fixture('sycm-item-daily.csv'), { employee_id: 'e2', periodKind: 'week' });
    expect(res.errors).toEqual([]);
    // item 301: 7×500 visitors, 7×10 buyers, 7×1990 gmv; item 302: 7×300 visitors, 6×6 buyers, 6×534 gmv (03-05 is "-")
    // visitors 3500+2100 = 5600, buyers 70+36 = 106, gmv 13930+3204 = 17134
    expect(table(res.rows)).toEqual({
      '2026-W10': { gmv: 17134, visitors: 5600, conversion_rate: 0.018929, aov: 161.64 },
    });
    expect(messages(res.warnings).some((w) => w.includes('2 items summed'))).toBe(true);
  });

  it('filters by 商品ID', () => {
    const res = importSycm(fixture('sycm-item-daily.csv'), {
      employee_id: 'e2',
      periodKind: 'week',
      itemIds: ['600100200301', '999'],
    });
    expect(table(res.rows)).toEqual({ '2026-W10': { gmv: 13930, visitors: 3500, conversion_rate: 0.02, aov: 199 } });
    expect(messages(res.warnings)).toContain('商品ID not in the export: 999');
  });

  it('refuses an item filter on a shop export', () => {
    const res = importSycm(fixture('sycm-shop-daily.utf8.csv'), {
      employee_id: 'e1',
      periodKind: 'week',
      itemIds: ['1'],
    });
    expect(res.errors).toEqual([{ row: 0, field: '商品ID', reason: expect.any(String) }]);
  });
});

describe('生意参谋 cell parsing', () => {
  it('parses numbers, percentages and empties', () => {
    expect(parseSycmNumber('12,345.67', 'amount')).toEqual({ ok: true, value: 12345.67 });
    expect(parseSycmNumber('¥1,234', 'amount')).toEqual({ ok: true, value: 1234 });
    expect(parseSycmNumber('3.25%', 'rate')).toEqual({ ok: true, value: 0.0325 });
    expect(parseSycmNumber('-', 'count')).toEqual({ ok: true, value: null });
    expect(parseSycmNumber('12,34', 'amount').ok).toBe(false);
    expect(parseSycmNumber('1.5', 'count').ok).toBe(false);
    expect(parseSycmNumber('3.25', 'rate').ok).toBe(false); // no %, above 1
    expect(parseSycmNumber('-5', 'amount').ok).toBe(false);
  });

  it('parses the date forms', () => {
    const iso = (t: string) => {
      const r = parseSycmDateRange(t);
      return r && [r.start.toISOString().slice(0, 10), r.end.toISOString().slice(0, 10)];
    };
    expect(iso('2026-03-01')).toEqual(['2026-03-01', '2026-03-01']);
    expect(iso('20260301')).toEqual(['2026-03-01', '2026-03-01']);
    expect(iso('2026/3/1')).toEqual(['2026-03-01', '2026-03-01']);
    expect(iso('2026-03-01 ~ 2026-03-07')).toEqual(['2026-03-01', '2026-03-07']);
    expect(iso('2026-03-07~2026-03-01')).toBeNull();
    expect(iso('2026-02-29')).toBeNull();
  });

  it('round-trips GBK through iconv-lite as the fixture script does', () => {
    const res = importSycm(iconv.encode('统计日期,访客数\r\n2026-03-02,5\r\n', 'gbk'), {
      employee_id: 'e1',
      periodKind: 'week',
      partial: 'include',
    });
    expect(res.rows).toEqual([{ employee_id: 'e1', metric_id: 'visitors', period: '2026-W10', value: 5 }]);
  });
});
