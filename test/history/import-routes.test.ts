/**
 * The importer routes end to end (HTTP through inject, both backends): workbooks and zips by
 * content type, several files in one multipart form, the daily store (a month from 30 daily
 * requests equals the month in one file; a day sent again changes nothing; partial=include no
 * longer replaces a month by one day), shops, snake_case GA4, and refusals naming file, row and column.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/importers/${name}`, import.meta.url));
const XLS = 'application/vnd.ms-excel';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const SHOP_A = '示例家居旗舰店（虚构）';
const SHOP_B = '示例家居专营店（虚构）';
const dayName = (d: number) => `2026-06-${String(d).padStart(2, '0')}.csv`;
const daily = (d: number) => fixture(`sycm-daily-2026-06/${dayName(d)}`);

// Σ over the 30 daily rows (see test/history/importers-files.test.ts)
const JUNE = {
  ad_spend: 10726.25,
  aov: 105.43,
  cac: 22.53,
  conversion_rate: 0.023148,
  gmv: 111648,
  new_customers: 476,
  roi: 10.4089,
  visitors: 45750,
};

/** A multipart/form-data body of `files`, each part named `file` with its filename. */
function multipart(files: { name: string; bytes: Buffer }[], fields: Record<string, string> = {}) {
  const boundary = `----kpi${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields))
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  for (const f of files) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${f.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      f.bytes,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

interface Answer {
  received: number;
  inserted: number;
  updated: number;
  unchanged: number;
  warnings: { code: string; message: string }[];
  periods: { period: string; covered_days: number; total_days: number; partial: boolean; emitted: boolean }[];
  days: { received: number; inserted: number; updated: number; unchanged: number; replaced: number };
}
interface Stored {
  metric_id: string;
  period: string;
  value: number;
  covered_days: number | null;
  total_days: number | null;
  complete: boolean;
  source: string;
}

describeEachBackend('importer routes: files as downloaded, the daily store', (get) => {
  let t: TestApp;
  const employees = [
    'xls',
    'xlsx',
    'zip',
    'form',
    'perday',
    'drop',
    'shopa',
    'shopb',
    'both',
    'ga4c',
    'ga4s',
    'ga4r',
    'ga4f',
  ];

  beforeAll(async () => {
    t = await buildTestApp(get().db);
    const r = await t.app.inject({
      method: 'POST',
      url: '/v1/employees',
      headers: t.auth('hr'),
      payload: employees.map((id) => ({ id: `imp-${id}`, role: 'sales_ops' })),
    });
    expect(r.statusCode, r.body).toBe(200);
  });
  afterAll(async () => {
    await t?.app.close();
  });

  const post = (query: string, payload: Buffer | string | object, type: string, extra: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/history/import/${query}`,
      headers: { ...t.auth('hr'), 'content-type': type, ...extra },
      payload: payload as Buffer,
    });
  const sycm = (employee: string, rest = '') =>
    `sycm?employee_id=imp-${employee}&period_kind=month${rest ? `&${rest}` : ''}`;

  async function june(employee: string): Promise<{ values: Record<string, number>; rows: Stored[] }> {
    const r = await t.app.inject({
      url: `/v1/history?employee_id=imp-${employee}&kind=month`,
      headers: t.auth('hr'),
    });
    expect(r.statusCode, r.body).toBe(200);
    const rows = (r.json() as Stored[]).filter((x) => x.period === '2026-06');
    return { values: Object.fromEntries(rows.map((x) => [x.metric_id, x.value])), rows };
  }

  it('imports the BIFF8 .xls, the .xlsx and the 自助取数 zip by their content types', async () => {
    const xls = await post(sycm('xls'), fixture('sycm-shop-2026-06.xls'), XLS);
    expect(xls.statusCode, xls.body).toBe(200);
    expect(xls.json()).toMatchObject({ received: 8, inserted: 8, updated: 0, unchanged: 0 });
    expect((xls.json() as Answer).periods).toEqual([
      expect.objectContaining({ period: '2026-06', covered_days: 30, total_days: 30, partial: false, emitted: true }),
    ]);
    expect((await june('xls')).values).toEqual(JUNE);

    const xlsx = await post(
      sycm('xlsx', `shop=${encodeURIComponent(SHOP_A)}`),
      fixture('sycm-two-shops-2026-06.xlsx'),
      XLSX,
    );
    expect(xlsx.statusCode, xlsx.body).toBe(200);
    expect((await june('xlsx')).values).toEqual(JUNE); // shop A is the month file's shop

    const zip = await post(sycm('zip'), fixture('sycm-zqs-2026-06.zip'), 'application/zip');
    expect(zip.statusCode, zip.body).toBe(200);
    expect((await june('zip')).values.gmv).toBe(JUNE.gmv);
    // a sheet that is not there is named
    const sheet = await post(sycm('zip', 'sheet=Nope'), fixture('sycm-month-2026-06.xlsx'), XLSX, {
      'content-disposition': 'attachment; filename="june.xlsx"',
    });
    expect(sheet.statusCode).toBe(422);
    expect(sheet.json().errors[0]).toMatchObject({ file: 'june.xlsx', row: 0, field: '(file)' });
    expect(sheet.json().errors[0].reason).toContain('Nope');
  });

  it('assembles a month from 30 daily files, in one form or one request a day, equal to the month file', async () => {
    const files = Array.from({ length: 30 }, (_, i) => ({ name: dayName(i + 1), bytes: daily(i + 1) }));
    const form = multipart(files);
    const r = await post(sycm('form'), form.payload, form.type);
    expect(r.statusCode, r.body).toBe(200);
    expect((r.json() as Answer).days).toMatchObject({ inserted: 30 * 7, replaced: 0 });
    expect((await june('form')).values).toEqual(JUNE);

    // one request per day with partial=include: the month grows day by day instead of being replaced
    for (let d = 1; d <= 30; d++) {
      const one = await post(sycm('perday', 'partial=include'), daily(d), 'text/csv', {
        'content-disposition': `attachment; filename="${dayName(d)}"`,
      });
      expect(one.statusCode, one.body).toBe(200);
      const p = (one.json() as Answer).periods[0]!;
      expect(p).toMatchObject({ period: '2026-06', covered_days: d, total_days: 30, partial: d < 30, emitted: true });
      if (d === 1) {
        const after1 = await june('perday');
        expect(after1.values.gmv).toBe(2089.5);
        expect(after1.rows.every((x) => x.complete === false && x.covered_days === 1 && x.total_days === 30)).toBe(
          true,
        );
      }
    }
    const perday = await june('perday');
    expect(perday.values).toEqual(JUNE);
    expect(perday.rows.every((x) => x.complete && x.covered_days === 30 && x.source === 'sycm')).toBe(true);

    // partial=drop (the default): nothing is stored for the month until its last day arrives
    for (let d = 1; d <= 30; d++) {
      const one = await post(sycm('drop'), daily(d), 'text/csv');
      expect(one.statusCode, one.body).toBe(200);
      if (d === 29) {
        expect(one.json()).toMatchObject({ received: 0, inserted: 0 });
        expect((one.json() as Answer).warnings).toContainEqual({
          code: 'partial_period',
          message:
            '2026-06 (imp-drop) is partial: the stored days cover 29 of 30 days (2026-06-01..2026-06-29); not imported until its days are complete',
        });
        expect((await june('drop')).rows).toEqual([]);
      }
    }
    expect((await june('drop')).values).toEqual(JUNE);
  });

  it('takes a day sent again as the same day: nothing changes, and a corrected day updates the month', async () => {
    const again = await post(sycm('perday', 'partial=include'), daily(15), 'text/csv');
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ received: 8, inserted: 0, updated: 0, unchanged: 8 });
    expect((again.json() as Answer).days).toEqual({ received: 7, inserted: 0, updated: 0, unchanged: 7, replaced: 0 });
    const form = multipart([1, 2, 3].map((d) => ({ name: dayName(d), bytes: daily(d) })));
    const resent = await post(sycm('form'), form.payload, form.type);
    expect(resent.json()).toMatchObject({ inserted: 0, updated: 0, unchanged: 8 });
    expect((await june('form')).values).toEqual(JUNE);

    // 06-01 corrected: 2,089.50 → 2,189.50
    const corrected = daily(1).toString('utf8').replace('"￥2,089.50"', '"￥2,189.50"');
    const fix = await post(sycm('perday'), corrected, 'text/csv');
    expect(fix.statusCode, fix.body).toBe(200);
    // gmv, and the weight of the day's 客单价 (its buyers estimated as 支付金额 / 客单价)
    expect((fix.json() as Answer).days).toMatchObject({ updated: 2, unchanged: 5 });
    expect((await june('perday')).values.gmv).toBe(JUNE.gmv + 100);
  });

  it('names the shops of a two-shop file without shop, and imports each shop with it', async () => {
    const two = fixture('sycm-two-shops-2026-06.xlsx');
    const none = await post(sycm('both'), two, XLSX, { 'content-disposition': 'attachment; filename="shops.xlsx"' });
    expect(none.statusCode).toBe(422);
    const err = none.json().errors[0] as { file: string; row: number; field: string; reason: string };
    expect(err).toMatchObject({ file: 'shops.xlsx', row: 0, field: '店铺名称' });
    expect(err.reason).toContain(SHOP_A);
    expect(err.reason).toContain(SHOP_B);

    const a = await post(sycm('shopa', `shop=${encodeURIComponent(SHOP_A)}`), two, XLSX);
    const b = await post(sycm('shopb', `shop=${encodeURIComponent(SHOP_B)}`), two, XLSX);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    // one employee running both shops: the month adds them up
    await post(sycm('both', `shop=${encodeURIComponent(SHOP_A)}`), two, XLSX);
    await post(sycm('both', `shop=${encodeURIComponent(SHOP_B)}`), two, XLSX);
    const [va, vb, both] = [(await june('shopa')).values, (await june('shopb')).values, (await june('both')).values];
    expect(both.gmv).toBeCloseTo(va.gmv! + vb.gmv!, 2);
    expect(both.visitors).toBe(va.visitors! + vb.visitors!);
  });

  it('imports snake_case GA4 (the Python client) as the camelCase report', async () => {
    const camel = await post(
      'ga4?employee_id=imp-ga4c&period_kind=month',
      fixture('ga4-roi-daily.json'),
      'application/json',
    );
    const snake = await post(
      'ga4?employee_id=imp-ga4s&period_kind=month',
      fixture('ga4-roi-daily.snake.json'),
      'application/json',
    );
    expect([camel.statusCode, snake.statusCode], snake.body).toEqual([200, 200]);
    const c = await june('ga4c');
    expect(Object.keys(c.values)).toEqual(expect.arrayContaining(['gmv', 'visitors', 'ad_spend', 'roi', 'cac']));
    expect((await june('ga4s')).values).toEqual(c.values);
    expect(c.rows.every((x) => x.complete && x.covered_days === 30 && x.source === 'ga4')).toBe(true);
    const again = await post(
      'ga4?employee_id=imp-ga4s&period_kind=month',
      fixture('ga4-roi-daily.snake.json'),
      'application/json',
    );
    expect(again.json()).toMatchObject({ inserted: 0, updated: 0 });
    expect((again.json() as Answer).days).toMatchObject({ inserted: 0, updated: 0 });
  });

  it('imports a form of daily GA4 reports as the month report, and names a day two files cover', async () => {
    const whole = JSON.parse(fixture('ga4-roi-daily.json').toString('utf8')) as { rows: unknown[] };
    const files = whole.rows.map((row, i) => ({
      name: `ga4-${i + 1}.json`,
      bytes: Buffer.from(JSON.stringify({ ...whole, rows: [row], rowCount: 1 })),
    }));
    const form = multipart(files);
    const r = await post('ga4?employee_id=imp-ga4f&period_kind=month', form.payload, form.type);
    expect(r.statusCode, r.body).toBe(200);
    expect((await june('ga4f')).values).toEqual((await june('ga4c')).values);
    const twice = multipart([files[0]!, { ...files[0]!, name: 'again.json' }]);
    const dup = await post('ga4?employee_id=imp-ga4f&period_kind=month', twice.payload, twice.type);
    expect(dup.statusCode, dup.body).toBe(422);
    expect(dup.json().errors).toEqual([
      { file: 'again.json', row: 0, field: 'date', reason: expect.stringContaining('already covered by ga4-1.json') },
    ]);
  });

  it('replaces a stored GA4 month range by the daily rows of that month', async () => {
    const range = {
      dimensionHeaders: [{ name: 'yearMonth' }],
      metricHeaders: [
        { name: 'purchaseRevenue', type: 'TYPE_CURRENCY' },
        { name: 'totalUsers', type: 'TYPE_INTEGER' },
      ],
      rows: [{ dimensionValues: [{ value: '202606' }], metricValues: [{ value: '5' }, { value: '7' }] }],
    };
    const m = await post('ga4?employee_id=imp-ga4r&period_kind=month', range, 'application/json');
    expect(m.statusCode, m.body).toBe(200);
    expect((m.json() as Answer).periods[0]).toMatchObject({ covered_days: 30, total_days: 30 });
    expect((await june('ga4r')).values).toEqual({ gmv: 5, visitors: 7 });
    const d = await post(
      'ga4?employee_id=imp-ga4r&period_kind=month',
      fixture('ga4-roi-daily.json'),
      'application/json',
    );
    expect(d.statusCode, d.body).toBe(200);
    expect((d.json() as Answer).days.replaced).toBe(2);
    expect((await june('ga4r')).values).toEqual((await june('ga4c')).values);
  });

  it('answers 413 when the files of a form, or one workbook, pass BODY_LIMIT together', async () => {
    const small = await buildTestApp(get().db, { BODY_LIMIT: '4kb' });
    try {
      const form = multipart(Array.from({ length: 30 }, (_, i) => ({ name: dayName(i + 1), bytes: daily(i + 1) })));
      const r = await small.app.inject({
        method: 'POST',
        url: '/v1/history/import/sycm?employee_id=imp-xls&period_kind=month',
        headers: { ...small.auth('hr'), 'content-type': form.type },
        payload: form.payload,
      });
      expect(r.statusCode, r.body).toBe(413);
      expect(r.json().code).toBe('payload_too_large');
      const one = await small.app.inject({
        method: 'POST',
        url: '/v1/history/import/sycm?employee_id=imp-xls&period_kind=month',
        headers: { ...small.auth('hr'), 'content-type': XLSX },
        payload: fixture('sycm-two-shops-2026-06.xlsx'),
      });
      expect(one.statusCode, one.body).toBe(413);
    } finally {
      await small.app.close();
    }
  });

  it('refuses password-protected workbooks and bad cells naming the file, row and column, writing nothing', async () => {
    for (const [name, type] of [
      ['sycm-encrypted.xls', XLS],
      ['sycm-encrypted.xlsx', XLSX],
    ] as const) {
      const r = await post(sycm('xls'), fixture(name), type, {
        'content-disposition': `attachment; filename="${name}"`,
      });
      expect(r.statusCode, r.body).toBe(422);
      expect(r.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(r.json().errors).toEqual([
        { file: name, row: 0, field: '(file)', reason: expect.stringContaining('password-protected') },
      ]);
    }
    // a form whose 3rd file has a bad amount: the file, its data row and the column are named
    const bad = daily(3).toString('utf8').replace('"￥', '"x￥');
    const form = multipart([
      { name: dayName(1), bytes: daily(1) },
      { name: dayName(2), bytes: daily(2) },
      { name: `店铺-${dayName(3)}`, bytes: Buffer.from(bad) },
    ]);
    const before = await june('xls');
    const r = await post(sycm('xls'), form.payload, form.type);
    expect(r.statusCode, r.body).toBe(422);
    expect(r.json().errors).toEqual([
      expect.objectContaining({ file: `店铺-${dayName(3)}`, row: 1, field: '支付金额' }),
    ]);
    // a day two files both cover
    const twice = multipart([
      { name: 'a.csv', bytes: daily(4) },
      { name: 'b.csv', bytes: daily(4) },
    ]);
    const dup = await post(sycm('xls'), twice.payload, twice.type);
    expect(dup.statusCode).toBe(422);
    expect(dup.json().errors[0]).toMatchObject({ file: 'b.csv', row: 1, field: '统计日期' });
    expect(dup.json().errors[0].reason).toContain('a.csv row 1');
    expect(await june('xls')).toEqual(before);
    // a form field instead of a query parameter, and a form without files
    const field = multipart([{ name: dayName(1), bytes: daily(1) }], { shop: SHOP_A });
    const f = await post(sycm('xls'), field.payload, field.type);
    expect(f.statusCode).toBe(400);
    expect(f.json().detail).toContain("multipart field 'shop'");
    const empty = multipart([]);
    expect((await post(sycm('xls'), empty.payload, empty.type)).statusCode).toBe(400);
    // a content type no importer reads
    expect((await post(sycm('xls'), 'x', 'application/pdf')).statusCode).toBe(415);
  });
});
