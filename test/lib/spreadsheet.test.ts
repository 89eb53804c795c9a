import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/lib/errors.js';
import {
  plainNumber,
  readTableFile,
  readWorkbook,
  sniff,
  toCsv,
  toXlsx,
  writeCsv,
  writeXlsx,
} from '../../src/lib/spreadsheet.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/importers/${name}`, import.meta.url));

/** The DomainError a promise rejects with. */
async function refusal(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a DomainError');
}

async function xlsxOf(fill: (wb: ExcelJS.Workbook) => void): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  fill(wb);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('reading workbooks', () => {
  it('reads a BIFF8 .xls written by xlwt: date cells as ISO days, numbers unformatted, text as is', async () => {
    const bytes = fixture('sycm-shop-2026-06.xls');
    expect(sniff(bytes)).toBe('ole2');
    const t = await readWorkbook(bytes, { fileName: 'shop.xls' });
    expect(t).toMatchObject({ format: 'xls', file: 'shop.xls', sheet: '店铺整体', sheets: ['店铺整体'] });
    expect(t.rows[1]).toEqual(['统计日期', '2026-06-01~2026-06-30']);
    expect(t.rows[3]).toEqual([]); // the blank line stays, so row positions match the sheet
    expect(t.rows[4]?.slice(0, 4)).toEqual(['统计日期', '访客数', '浏览量', '支付金额(元)']);
    // 2089.5 is shown as 2,089.50 by its #,##0.00 format; the reader gives the value
    expect(t.rows[5]?.slice(0, 4)).toEqual(['2026-06-01', '1037', '3112', '2089.5']);
    expect(t.rows[19]?.[1]).toBe('1.25万'); // a text cell
    expect(t.rows).toHaveLength(35);
  });

  it('reads an .xlsx written by exceljs: percent-formatted cells keep their %', async () => {
    const t = await readWorkbook(fixture('sycm-two-shops-2026-06.xlsx'));
    expect(t.format).toBe('xlsx');
    expect(t.rows[0]).toEqual([
      '统计日期',
      '店铺名称',
      '访客数',
      '支付金额(元)',
      '支付买家数',
      '推广花费(元)',
      '新客数',
    ]);
    expect(t.rows[1]).toEqual(['2026-06-01', '示例家居旗舰店（虚构）', '1037', '2089.5', '21', '287.75', '9']);
    const zqs = await readTableFile(fixture('sycm-zqs-2026-06.zip'), { fileName: 'zqs.zip' });
    expect(zqs).toMatchObject({ kind: 'workbook', file: 'zqs.zip/自助取数_店铺_2026-06.xlsx', sheet: '自助取数' });
    if (zqs.kind === 'workbook') expect(zqs.rows[1]?.slice(3, 5)).toEqual(['21', '2.03%']);
  });

  it('reads a named sheet and refuses one that is not there, naming the sheets', async () => {
    const bytes = await xlsxOf((wb) => {
      wb.addWorksheet('说明').addRow(['本表为示例']);
      wb.addWorksheet('数据').addRow(['统计日期', '访客数']);
    });
    expect((await readWorkbook(bytes)).sheet).toBe('说明');
    expect((await readWorkbook(bytes, { sheet: '数据' })).rows).toEqual([['统计日期', '访客数']]);
    const e = await refusal(readWorkbook(bytes, { sheet: 'Sheet1', fileName: 'two.xlsx' }));
    expect(e.code).toBe('unprocessable');
    expect(e.message).toBe('two.xlsx: no sheet "Sheet1"; sheets: 说明, 数据');
  });

  it('writes long IDs, tiny and huge numbers, booleans, formulas and dates without exponent or zone shifts', async () => {
    const bytes = await xlsxOf((wb) => {
      const ws = wb.addWorksheet('s');
      ws.addRow([
        551563123456,
        0.0000001,
        1e21,
        true,
        { formula: '1+1', result: 2 },
        new Date(Date.UTC(2026, 5, 1, 8, 30)),
      ]);
      ws.addRow(['x', null, 'z']);
    });
    const t = await readWorkbook(bytes);
    expect(t.rows).toEqual([
      ['551563123456', '0.0000001', '1000000000000000000000', 'TRUE', '2', '2026-06-01 08:30:00'],
      ['x', '', 'z'],
    ]);
    expect(plainNumber(0.1 + 0.2)).toBe('0.3');
    expect(plainNumber(-2.5e-7)).toBe('-0.00000025');
  });
});

describe('refusing files', () => {
  it('refuses a password-protected .xls (BIFF8 FILEPASS, saved by LibreOffice)', async () => {
    const e = await refusal(readTableFile(fixture('sycm-encrypted.xls'), { fileName: 'june.xls' }));
    expect(e.code).toBe('unprocessable');
    expect(e.message).toMatch(/^june\.xls: password-protected workbook/);
    expect(e.extra).toEqual({
      errors: [{ file: 'june.xls', row: 0, field: '(file)', reason: expect.stringContaining('password') }],
    });
  });

  it('refuses a password-protected .xlsx (an OLE2 container with EncryptionInfo, whatever its name says)', async () => {
    const bytes = fixture('sycm-encrypted.xlsx');
    expect(sniff(bytes)).toBe('ole2');
    const e = await refusal(readTableFile(bytes, { fileName: 'june.xlsx' }));
    expect(e.message).toMatch(/^june\.xlsx: password-protected workbook/);
  });

  it('refuses corrupt and truncated workbooks, naming the file', async () => {
    const xls = fixture('sycm-shop-2026-06.xls');
    expect((await refusal(readTableFile(xls.subarray(0, 3000), { fileName: 'cut.xls' }))).message).toMatch(
      /^cut\.xls: corrupt \.xls/,
    );
    const xlsx = fixture('sycm-two-shops-2026-06.xlsx');
    expect((await refusal(readTableFile(xlsx.subarray(0, 3000), { fileName: 'cut.xlsx' }))).message).toMatch(
      /^cut\.xlsx: corrupt or truncated zip/,
    );
    const garbled = Buffer.from(xlsx);
    garbled.fill(0x41, 200, 2000); // inside the compressed parts, directory intact
    expect((await refusal(readTableFile(garbled, { fileName: 'bad.xlsx' }))).message).toMatch(/^bad\.xlsx: corrupt/);
    const ole = Buffer.concat([xls.subarray(0, 8), Buffer.alloc(600)]);
    expect((await refusal(readTableFile(ole, { fileName: 'x.xls' }))).message).toMatch(/^x\.xls: corrupt \.xls/);
  });

  it('unpacks a zip of exactly one sheet file and refuses others, listing what they hold', async () => {
    const csv = Buffer.from('统计日期,访客数\n2026-06-01,1\n');
    const one = await readTableFile(zipSync({ 'export/取数.csv': csv, '__MACOSX/._取数.csv': new Uint8Array(4) }), {
      fileName: 'a.zip',
    });
    expect(one).toEqual({ kind: 'text', file: 'a.zip/export/取数.csv', bytes: new Uint8Array(csv) });
    const two = await refusal(readTableFile(zipSync({ 'a.csv': csv, 'b.xlsx': csv }), { fileName: 'two.zip' }));
    expect(two.message).toBe(
      'two.zip: a zip must hold exactly one sheet file (.xlsx, .xls or .csv); found 2: a.csv, b.xlsx',
    );
    const none = await refusal(readTableFile(zipSync({ 'readme.pdf': csv }), { fileName: 'none.zip' }));
    expect(none.message).toContain('found 0 (it holds readme.pdf)');
    const nested = await refusal(
      readTableFile(zipSync({ 'inner.zip': zipSync({ 'a.csv': csv }) }), { fileName: 'n.zip' }),
    );
    expect(nested.message).toContain('found 0');
  });

  it('refuses an encrypted zip and one that unpacks past the limit', async () => {
    const zip = Buffer.from(zipSync({ 'a.csv': Buffer.from('统计日期,访客数\n') }));
    const cd = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    zip.writeUInt16LE(zip.readUInt16LE(cd + 8) | 1, cd + 8); // general-purpose flag bit 0: encrypted
    expect((await refusal(readTableFile(zip, { fileName: 'p.zip' }))).message).toBe(
      'p.zip: password-protected zip (a.csv is encrypted); unpack it first',
    );
    const big = zipSync({ 'a.csv': new Uint8Array(100_000) });
    const e = await refusal(readTableFile(big, { fileName: 'big.zip', maxUnpackedBytes: 50_000 }));
    expect(e.code).toBe('limit_exceeded');
  });

  it('passes text through and refuses text where a workbook is required', async () => {
    const t = await readTableFile(Buffer.from('a,b\n'), { fileName: 'a.csv' });
    expect(t.kind).toBe('text');
    expect((await refusal(readWorkbook(Buffer.from('a,b\n'), { fileName: 'a.csv' }))).message).toBe(
      'a.csv: not a workbook (.xlsx or .xls)',
    );
  });
});

describe('writing', () => {
  it('writes CSV with a BOM, RFC 4180 quoting and formula cells neutralised', async () => {
    const csv = toCsv(
      ['姓名', '说明', '值', '日期'],
      [
        ['张三', 'a,"b"', -5, new Date(Date.UTC(2026, 5, 1))],
        ['=HYPERLINK("x")', '+1+2', 0.1 + 0.2, null],
      ],
    );
    expect(csv).toBe(
      '\uFEFF姓名,说明,值,日期\r\n张三,"a,""b""",-5,2026-06-01\r\n"\'=HYPERLINK(""x"")",\'+1+2,0.3,\r\n',
    );
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    async function* rows() {
      yield ['张三', 'a,"b"', -5, new Date(Date.UTC(2026, 5, 1))] as const;
      yield ['=HYPERLINK("x")', '+1+2', 0.1 + 0.2, null] as const;
    }
    await writeCsv(['姓名', '说明', '值', '日期'], rows(), out);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(csv);
  });

  it('writes an XLSX that reads back the same, header first, dates as dates', async () => {
    const bytes = await toXlsx(
      ['统计日期', '访客数', '支付金额'],
      [
        [new Date(Date.UTC(2026, 5, 1)), 1037, 2089.5],
        [new Date(Date.UTC(2026, 5, 2)), 1174, null],
      ],
      { sheetName: '导出' },
    );
    const t = await readWorkbook(bytes);
    expect(t.sheet).toBe('导出');
    expect(t.rows).toEqual([
      ['统计日期', '访客数', '支付金额'],
      ['2026-06-01', '1037', '2089.5'],
      ['2026-06-02', '1174'],
    ]);
  });

  it('writes what exceljs wrote before: the same rows read back, bold header, date format, widths, escaping', async () => {
    const header = ['员工', '日期', 'value', 'ok', 'note'];
    const rows = [
      ['E<1>&"2"', new Date(Date.UTC(2026, 5, 1)), 0.1 + 0.2, true, '  spaced  '],
      ['E2', new Date(Date.UTC(2026, 5, 2, 8, 30)), -2.5e-7, false, null],
      ['x\u0001y', null, 551563123456, null, '=1+1'],
      ['😀 新人', undefined, 1e21, true, 'line\nbreak'],
    ];
    const ours = await toXlsx(header, rows, { sheetName: 'payroll 2026-Q3' });
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('payroll 2026-Q3');
    ws.columns = header.map((h) => ({ header: h, width: Math.max(10, h.length * 2 + 2) }));
    ws.getRow(1).font = { bold: true };
    for (const r of rows) {
      const row = ws.addRow(r.map((v) => (v === undefined ? null : v)));
      r.forEach((v, i) => {
        if (v instanceof Date) row.getCell(i + 1).numFmt = 'yyyy-mm-dd';
      });
    }
    const before = Buffer.from(await wb.xlsx.writeBuffer());
    const [a, b] = [await readWorkbook(ours), await readWorkbook(before)];
    // exceljs kept the control character, which XML 1.0 cannot hold; ours drops it
    expect(a.rows).toEqual(b.rows.map((r) => r.map((c) => c.replace('\u0001', ''))));
    expect(a.sheet).toBe('payroll 2026-Q3');
    // exceljs reads our workbook's styles and widths as it wrote its own
    const back = new ExcelJS.Workbook();
    await back.xlsx.load(ours as unknown as ArrayBuffer);
    const sheet = back.worksheets[0]!;
    expect(sheet.getRow(1).getCell(1).font?.bold).toBe(true);
    expect(sheet.getRow(2).getCell(2).numFmt).toBe('yyyy-mm-dd');
    expect(sheet.getRow(2).getCell(2).value).toEqual(new Date(Date.UTC(2026, 5, 1)));
    expect(sheet.getRow(2).getCell(4).value).toBe(true);
    expect(sheet.getColumn(1).width).toBe(10);
    // and SheetJS (the other reader) agrees
    const XLSX = await import('@e965/xlsx');
    const book = XLSX.read(ours, { type: 'buffer' });
    const first = book.Sheets[book.SheetNames[0]!]!;
    expect(first.A2?.v).toBe('E<1>&"2"');
    expect(first.E2?.v).toBe('  spaced  ');
    expect(first.C3?.v).toBe(-2.5e-7);
    await expect(toXlsx(['a'], [], { sheetName: 'a/b' })).rejects.toThrow(/cannot include/);
  });

  it('streams 10,000 rows × 12 columns to XLSX, every row readable', async () => {
    const header = Array.from({ length: 12 }, (_, i) => `列${i + 1}`);
    function* rows() {
      for (let r = 0; r < 10_000; r++) yield header.map((_, c) => (c === 0 ? `e${r}` : r * 12 + c));
    }
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await writeXlsx(header, rows(), out);
    const t = await readWorkbook(Buffer.concat(chunks));
    expect(t.rows).toHaveLength(10_001);
    expect(t.rows[10_000]).toEqual(['e9999', ...Array.from({ length: 11 }, (_, c) => String(9999 * 12 + c + 1))]);
  });
});
