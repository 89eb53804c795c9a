/**
 * Spreadsheets in and out, shared by the importers, console exports and the payroll export.
 *
 * Read: `.xlsx` (exceljs) and BIFF8 `.xls` (@e965/xlsx, a maintained SheetJS CE build) into rows of
 * strings, the format told by magic bytes (zip `PK\x03\x04`, OLE2 `D0 CF 11 E0`), never by the
 * name. A zip that is not a workbook (自助取数 downloads) is unpacked when it holds exactly one
 * sheet file (.xlsx, .xls, .csv, .txt). Password-protected and corrupt files are refused with a
 * DomainError naming the file.
 *
 * Cells become strings the way a person reads them, without the display's rounding:
 * - numbers: the stored value in plain decimal (`10095.5`, `551563123456` — never `5.51563E+11`,
 *   no thousands separators); a percent-formatted cell keeps its unit (0.0325 → `3.25%`);
 * - dates (date-formatted numbers, or exceljs Date values): `YYYY-MM-DD`, or `YYYY-MM-DD HH:MM:SS`
 *   when the cell carries a time of day; 1904-based workbooks are handled;
 * - text as stored; booleans `TRUE` / `FALSE`; formulas their cached result; error cells `#N/A` etc.;
 *   empty cells ''. Trailing empty cells of a row are dropped; empty rows are kept as [].
 *
 * Write: CSV (UTF-8 with BOM, RFC 4180 quoting, cells that a spreadsheet would run as a formula
 * prefixed with `'`) and XLSX (the sheet's XML written here, deflated by node:zlib as the rows come).
 */
import { PassThrough, type Writable } from 'node:stream';
import { crc32, createDeflateRaw } from 'node:zlib';
import type * as XLSXTypes from '@e965/xlsx';
import type ExcelJSTypes from 'exceljs';
import { unzipSync } from 'fflate';
import { DomainError } from './errors.js';

// Both libraries take a second or more to import on a busy machine: loaded on first use, not at start-up.
type SheetJs = typeof XLSXTypes;
let sheetJs: Promise<SheetJs> | undefined;
const loadSheetJs = (): Promise<SheetJs> =>
  (sheetJs ??= Promise.all([import('@e965/xlsx'), import('@e965/xlsx/dist/cpexcel.full.mjs')]).then(([x, cp]) => {
    x.set_cptable(cp); // codepages of BIFF5 and older workbooks (GBK text)
    return x;
  }));
let excelJs: Promise<typeof ExcelJSTypes> | undefined;
const loadExcelJs = (): Promise<typeof ExcelJSTypes> => (excelJs ??= import('exceljs').then((m) => m.default));

/** The media type of an XLSX workbook (exports answer with it). */
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A file an export answers with (CSV text, or an XLSX's bytes). */
export interface ExportFile {
  filename: string;
  contentType: string;
  body: string | Buffer;
}

export type SpreadsheetFormat = 'xlsx' | 'xls';

export interface ReadOptions {
  /** Name of the file, for messages (default 'the file'). */
  fileName?: string;
  /** Sheet to read (default: the first one). */
  sheet?: string;
  /** Refuse archives that unpack to more than this (default 256 MiB). */
  maxUnpackedBytes?: number;
}

export interface SheetRows {
  format: SpreadsheetFormat;
  /** The file read: `fileName`, or `archive.zip/inner.xlsx` for a file unpacked from a zip. */
  file: string;
  sheet: string;
  sheets: string[];
  rows: string[][];
}

/** A workbook read into rows, or a text file (CSV/TSV, still undecoded) unpacked from a zip. */
export type TableFile = ({ kind: 'workbook' } & SheetRows) | { kind: 'text'; file: string; bytes: Uint8Array };

export type Sniffed = 'zip' | 'ole2' | 'text';

const ZIP = [0x50, 0x4b, 0x03, 0x04];
const ZIP_EMPTY = [0x50, 0x4b, 0x05, 0x06];
const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const SHEET_FILE = /\.(xlsx|xlsm|xls|csv|txt|tsv)$/i;
const DEFAULT_MAX_UNPACKED = 256 * 1024 * 1024;

const startsWith = (buf: Uint8Array, magic: readonly number[]): boolean => magic.every((b, i) => buf[i] === b);

/** What the bytes are: a zip (xlsx or archive), an OLE2 compound file (xls, or encrypted xlsx), or anything else. */
export function sniff(bytes: Uint8Array): Sniffed {
  if (startsWith(bytes, ZIP) || startsWith(bytes, ZIP_EMPTY)) return 'zip';
  if (startsWith(bytes, OLE2)) return 'ole2';
  return 'text';
}

/** True when the bytes are a workbook or an archive, i.e. not for a text decoder. */
export const isBinarySpreadsheet = (bytes: Uint8Array): boolean => sniff(bytes) !== 'text';

const unprocessable = (file: string, reason: string): DomainError =>
  new DomainError('unprocessable', `${file}: ${reason}`, {
    errors: [{ row: 0, field: '(file)', reason, file }],
  });

// ---------------------------------------------------------------- reading

/**
 * Reads a spreadsheet or a zip holding one. Text files (in a zip) come back undecoded.
 * @throws DomainError `unprocessable` for a password-protected, corrupt or unknown file, a zip
 *   without exactly one sheet file, or a missing sheet; `limit_exceeded` for an archive that
 *   unpacks past `maxUnpackedBytes`.
 */
export async function readTableFile(bytes: Uint8Array, options: ReadOptions = {}): Promise<TableFile> {
  const file = options.fileName ?? 'the file';
  const kind = sniff(bytes);
  if (kind === 'ole2') return { kind: 'workbook', ...(await readOle2(bytes, file, options.sheet)) };
  if (kind === 'text') return { kind: 'text', file, bytes };
  const entries = zipEntries(bytes, file, options.maxUnpackedBytes ?? DEFAULT_MAX_UNPACKED);
  if (entries.has('[Content_Types].xml')) return { kind: 'workbook', ...(await readXlsx(bytes, file, options.sheet)) };
  const sheets = [...entries.keys()].filter(
    (n) => !n.endsWith('/') && !n.startsWith('__MACOSX/') && !/(^|\/)\./.test(n) && SHEET_FILE.test(n),
  );
  if (sheets.length !== 1) {
    const listed = sheets.length
      ? `: ${sheets.join(', ')}`
      : ` (it holds ${[...entries.keys()].join(', ') || 'nothing'})`;
    throw unprocessable(
      file,
      `a zip must hold exactly one sheet file (.xlsx, .xls or .csv); found ${sheets.length}${listed}`,
    );
  }
  const name = sheets[0]!;
  const inner = unzipOne(bytes, name, file);
  const innerName = `${file}/${name}`;
  if (
    sniff(inner) === 'zip' &&
    !zipEntries(inner, innerName, options.maxUnpackedBytes ?? DEFAULT_MAX_UNPACKED).has('[Content_Types].xml')
  )
    throw unprocessable(innerName, 'a zip inside a zip is not unpacked');
  return readTableFile(inner, { ...options, fileName: innerName });
}

/** Reads a workbook (not a text file) into rows. @throws DomainError as readTableFile, and for text input. */
export async function readWorkbook(bytes: Uint8Array, options: ReadOptions = {}): Promise<SheetRows> {
  const t = await readTableFile(bytes, options);
  if (t.kind === 'text') throw unprocessable(t.file, 'not a workbook (.xlsx or .xls)');
  const { kind: _, ...rows } = t;
  return rows;
}

interface ZipEntry {
  encrypted: boolean;
  size: number;
}

/** Names of a zip's entries from its central directory, with their flags and unpacked sizes. */
function zipEntries(bytes: Uint8Array, file: string, maxUnpacked: number): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65_535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw unprocessable(file, 'corrupt or truncated zip (no end of central directory)');
  const count = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  const out = new Map<string, ZipEntry>();
  const utf8 = new TextDecoder();
  let total = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > bytes.length || view.getUint32(p, true) !== 0x02014b50)
      throw unprocessable(file, 'corrupt zip (bad central directory)');
    const flags = view.getUint16(p + 8, true);
    const size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const name = utf8.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    out.set(name, { encrypted: (flags & 1) === 1, size });
    total += size;
    p += 46 + nameLen + extraLen + commentLen;
  }
  if (total > maxUnpacked)
    throw new DomainError('limit_exceeded', `${file}: unpacks to ${total} bytes, more than ${maxUnpacked}`);
  for (const [name, e] of out)
    if (e.encrypted) throw unprocessable(file, `password-protected zip (${name} is encrypted); unpack it first`);
  return out;
}

function unzipOne(bytes: Uint8Array, name: string, file: string): Uint8Array {
  try {
    const files = unzipSync(bytes, { filter: (f) => f.name === name });
    const inner = files[name];
    if (!inner) throw new Error(`${name} not found`);
    return inner;
  } catch (e) {
    throw unprocessable(file, `corrupt zip: ${(e as Error).message}`);
  }
}

// OLE2: a BIFF .xls, or an encrypted OOXML workbook (EncryptionInfo + EncryptedPackage streams)
async function readOle2(bytes: Uint8Array, file: string, sheet: string | undefined): Promise<SheetRows> {
  const XLSX = await loadSheetJs();
  let cfb: { FullPaths: string[] };
  try {
    cfb = XLSX.CFB.read(bytes, { type: 'buffer' });
  } catch (e) {
    throw unprocessable(file, `corrupt .xls (compound file unreadable: ${(e as Error).message})`);
  }
  const streams = cfb.FullPaths.map((p) => p.replace(/^Root Entry\//, '').replace(/\/$/, ''));
  if (streams.includes('EncryptionInfo') || streams.includes('EncryptedPackage'))
    throw unprocessable(file, 'password-protected workbook (encrypted); remove the password in Excel and export again');
  if (!streams.includes('Workbook') && !streams.includes('Book'))
    throw unprocessable(file, 'an OLE2 file without a workbook stream (not an Excel .xls)');
  let wb: XLSXTypes.WorkBook;
  try {
    wb = XLSX.read(bytes, { type: 'buffer', cellNF: true, cellDates: false, cellText: false, dense: true });
  } catch (e) {
    const message = (e as Error).message;
    if (!/password|encrypt/i.test(message)) throw unprocessable(file, `corrupt .xls: ${message}`);
    // Excel writes "protected" workbooks encrypted with its default password; those open without one
    try {
      wb = XLSX.read(bytes, { type: 'buffer', cellNF: true, dense: true, password: 'VelvetSweatshop' });
    } catch {
      throw unprocessable(
        file,
        'password-protected workbook (encrypted); remove the password in Excel and export again',
      );
    }
  }
  const sheets = wb.SheetNames;
  const name = pickSheet(sheets, sheet, file);
  const ws = wb.Sheets[name];
  const date1904 = Boolean(wb.Workbook?.WBProps?.date1904);
  const rows: string[][] = [];
  const data = (ws as { '!data'?: (XLSXTypes.CellObject | undefined)[][] } | undefined)?.['!data'] ?? [];
  for (let r = 0; r < data.length; r++) {
    const row = data[r] ?? [];
    const out: string[] = [];
    for (let c = 0; c < row.length; c++) out.push(sheetJsCell(XLSX, row[c], date1904));
    rows.push(trimRow(out));
  }
  return { format: 'xls', file, sheet: name, sheets, rows };
}

function sheetJsCell(XLSX: SheetJs, cell: XLSXTypes.CellObject | undefined, date1904: boolean): string {
  if (!cell) return '';
  switch (cell.t) {
    case 'n': {
      const v = cell.v as number;
      const fmt = typeof cell.z === 'string' ? cell.z : '';
      if (fmt && XLSX.SSF.is_date(fmt)) return serialToText(v, date1904);
      return numberText(v, fmt);
    }
    case 's':
      return String(cell.v ?? '');
    case 'b':
      return cell.v ? 'TRUE' : 'FALSE';
    case 'e':
      return cell.w ?? '#ERROR';
    case 'd':
      return dateText(cell.v as Date);
    default:
      return '';
  }
}

async function readXlsx(bytes: Uint8Array, file: string, sheet: string | undefined): Promise<SheetRows> {
  const ExcelJS = await loadExcelJs();
  const XLSX = await loadSheetJs(); // its number-format parser tells date formats
  const wb = new ExcelJS.Workbook();
  try {
    // exceljs types its Buffer as an ArrayBuffer; at run time it takes a Node Buffer
    await wb.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ArrayBuffer);
  } catch (e) {
    throw unprocessable(file, `corrupt .xlsx: ${(e as Error).message}`);
  }
  const sheets = wb.worksheets.map((w) => w.name);
  const name = pickSheet(sheets, sheet, file);
  const ws = wb.getWorksheet(name)!;
  const date1904 = Boolean((wb.properties as { date1904?: boolean }).date1904);
  const rows: string[][] = [];
  ws.eachRow({ includeEmpty: true }, (row, r) => {
    const out: string[] = [];
    row.eachCell({ includeEmpty: true }, (cell, c) => {
      out[c - 1] = excelJsCell(XLSX, cell.value, cell.numFmt ?? '', date1904);
    });
    for (let c = 0; c < out.length; c++) out[c] ??= '';
    rows[r - 1] = trimRow(out);
  });
  for (let r = 0; r < rows.length; r++) rows[r] ??= [];
  return { format: 'xlsx', file, sheet: name, sheets, rows };
}

function excelJsCell(XLSX: SheetJs, value: ExcelJSTypes.CellValue, fmt: string, date1904: boolean): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number')
    return fmt && XLSX.SSF.is_date(fmt) ? serialToText(value, date1904) : numberText(value, fmt);
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return dateText(value);
  if ('richText' in value) return value.richText.map((t) => t.text).join('');
  if ('error' in value) return String(value.error);
  if ('formula' in value || 'sharedFormula' in value) {
    const result = (value as { result?: unknown }).result;
    return result === undefined || result === null
      ? ''
      : excelJsCell(XLSX, result as ExcelJSTypes.CellValue, fmt, date1904);
  }
  if ('text' in value) return String((value as { text: unknown }).text ?? '');
  return '';
}

function pickSheet(sheets: string[], wanted: string | undefined, file: string): string {
  if (sheets.length === 0) throw unprocessable(file, 'the workbook has no sheet');
  if (wanted === undefined) return sheets[0]!;
  if (!sheets.includes(wanted)) throw unprocessable(file, `no sheet "${wanted}"; sheets: ${sheets.join(', ')}`);
  return wanted;
}

function trimRow(row: string[]): string[] {
  let n = row.length;
  while (n > 0 && row[n - 1] === '') n--;
  return n === row.length ? row : row.slice(0, n);
}

/** True when a number format shows a percent (a `%` outside quotes and escapes). */
function isPercentFormat(fmt: string): boolean {
  return /%/.test(fmt.replace(/"[^"]*"|\\./g, ''));
}

/** A number in plain decimal notation (no exponent, no separators), to 15 significant digits. */
export function plainNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const rounded = Number(v.toPrecision(15));
  const s = String(rounded);
  if (!/e/i.test(s)) return s;
  // 1e21 and up, or below 1e-6: spell the digits out
  const abs = Math.abs(rounded);
  const text = abs >= 1 ? BigInt(Math.round(abs)).toString() : abs.toFixed(20).replace(/0+$/, '');
  return rounded < 0 ? `-${text}` : text;
}

function numberText(v: number, fmt: string): string {
  return isPercentFormat(fmt) ? `${plainNumber(v * 100)}%` : plainNumber(v);
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** A date as `YYYY-MM-DD`, with ` HH:MM:SS` when it has a time of day (UTC fields: spreadsheets have no zone). */
function dateText(d: Date): string {
  if (Number.isNaN(d.getTime())) return '';
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const h = d.getUTCHours();
  const m = d.getUTCMinutes();
  const s = d.getUTCSeconds();
  return h || m || s ? `${day} ${pad(h)}:${pad(m)}:${pad(s)}` : day;
}

/** Excel serial date → text. 1900 system: serial 1 = 1900-01-01 with Excel's phantom 1900-02-29 (serial 60). */
function serialToText(serial: number, date1904: boolean): string {
  const epoch = date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, 30);
  const days = !date1904 && serial < 61 ? serial + 1 : serial; // before the phantom leap day
  return dateText(new Date(epoch + Math.round(days * 86_400) * 1000));
}

// ---------------------------------------------------------------- writing

export type CellInput = string | number | boolean | Date | null | undefined;
export type RowSource = Iterable<readonly CellInput[]> | AsyncIterable<readonly CellInput[]>;

const FORMULA_START = /^[=+\-@\t\r]/;

function csvCell(v: CellInput): string {
  if (v === null || v === undefined) return '';
  let s: string;
  if (v instanceof Date) s = dateText(v);
  else if (typeof v === 'number') s = Number.isFinite(v) ? plainNumber(v) : '';
  else if (typeof v === 'boolean') s = v ? 'TRUE' : 'FALSE';
  else {
    s = v;
    // a spreadsheet would run it as a formula (CSV injection); a number such as -5 stays as is
    if (FORMULA_START.test(s) && !/^[+-]?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  }
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One CSV line (CRLF-terminated). */
export const csvLine = (cells: readonly CellInput[]): string => `${cells.map(csvCell).join(',')}\r\n`;

/** A whole CSV document: UTF-8 BOM (so Excel reads Chinese text right), header, rows. */
export function toCsv(header: readonly string[], rows: Iterable<readonly CellInput[]>): string {
  let out = `\uFEFF${csvLine(header)}`;
  for (const r of rows) out += csvLine(r);
  return out;
}

/** Writes CSV (BOM, header, rows) to a stream, respecting back-pressure. */
export async function writeCsv(header: readonly string[], rows: RowSource, out: Writable): Promise<void> {
  const write = (chunk: string) =>
    out.write(chunk) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve()));
  await write(`\uFEFF${csvLine(header)}`);
  let batch = '';
  for await (const r of rows) {
    batch += csvLine(r);
    if (batch.length > 64 * 1024) {
      await write(batch);
      batch = '';
    }
  }
  if (batch) await write(batch);
}

export interface XlsxWriteOptions {
  sheetName?: string;
  /** Column widths in characters (default: header length, at least 10). */
  widths?: readonly number[];
}

const XML_ESCAPE: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
// characters XML 1.0 cannot hold (control characters but tab, line feed and carriage return; lone surrogates)
// biome-ignore lint/complexity/useRegexLiterals: a literal would hold the control characters the linter refuses
const XML_INVALID = new RegExp(
  '[\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\ufffe\\uffff]|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]',
  'g',
);
const xml = (s: string): string => s.replace(XML_INVALID, '').replace(/[&<>"]/g, (c) => XML_ESCAPE[c]!);

/** Column letters of a 0-based index: 0 → A, 25 → Z, 26 → AA. */
function columnName(i: number): string {
  let n = i + 1;
  let out = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    out = String.fromCharCode(65 + r) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

/** Days since 1899-12-30 (Excel's 1900 date system) of a date, its time of day as the fraction. */
const excelSerial = (d: Date): number => d.getTime() / 86_400_000 + 25_569;

// styles: 0 plain, 1 the bold header, 2 a date (numFmt 164 `yyyy-mm-dd`)
const STYLE_HEADER = 1;
const STYLE_DATE = 2;

/** One cell's XML (nothing for an empty one). */
function xlsxCell(ref: string, v: CellInput, style = 0): string {
  if (v === null || v === undefined) return '';
  const s = style ? ` s="${style}"` : '';
  if (typeof v === 'number') return Number.isFinite(v) ? `<c r="${ref}"${s}><v>${v}</v></c>` : '';
  if (typeof v === 'boolean') return `<c r="${ref}"${s} t="b"><v>${v ? 1 : 0}</v></c>`;
  if (v instanceof Date)
    return Number.isNaN(v.getTime()) ? '' : `<c r="${ref}" s="${STYLE_DATE}"><v>${excelSerial(v)}</v></c>`;
  const text = xml(v);
  const space = text !== text.trim() ? ' xml:space="preserve"' : '';
  return `<c r="${ref}"${s} t="inlineStr"><is><t${space}>${text}</t></is></c>`;
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const NS_MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const NS_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const NS_PKG = 'http://schemas.openxmlformats.org/package/2006/relationships';

/** The workbook's parts besides the sheet (one sheet named `sheet`). */
function xlsxParts(sheet: string): [string, string][] {
  return [
    [
      '[Content_Types].xml',
      `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>`,
    ],
    [
      '_rels/.rels',
      `${XML_HEAD}<Relationships xmlns="${NS_PKG}"><Relationship Id="rId1" Type="${NS_REL}/officeDocument" Target="xl/workbook.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="${NS_REL}/extended-properties" Target="docProps/app.xml"/></Relationships>`,
    ],
    [
      'docProps/app.xml',
      `${XML_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>kpi-calibrator</Application></Properties>`,
    ],
    [
      'docProps/core.xml',
      `${XML_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>kpi-calibrator</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">${new Date().toISOString().slice(0, 19)}Z</dcterms:created></cp:coreProperties>`,
    ],
    [
      'xl/workbook.xml',
      `${XML_HEAD}<workbook xmlns="${NS_MAIN}" xmlns:r="${NS_REL}"><bookViews><workbookView/></bookViews><sheets><sheet name="${xml(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    ],
    [
      'xl/_rels/workbook.xml.rels',
      `${XML_HEAD}<Relationships xmlns="${NS_PKG}"><Relationship Id="rId1" Type="${NS_REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${NS_REL}/styles" Target="styles.xml"/></Relationships>`,
    ],
    [
      'xl/styles.xml',
      `${XML_HEAD}<styleSheet xmlns="${NS_MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`,
    ],
  ];
}

/** A sheet name as Excel allows it: at most 31 characters, none of `* ? : \ / [ ]`. */
function sheetName(name: string): string {
  if (/[*?:\\/[\]]/.test(name))
    throw new Error(`Worksheet name ${name} cannot include any of the following characters: * ? : \\ / [ ]`);
  return [...name].slice(0, 31).join('') || 'Sheet1';
}

/**
 * A zip written as it goes (entries deflated by node:zlib, sizes and CRC in data descriptors, the
 * central directory at the end), the container of the XLSX writer. Names are UTF-8.
 */
class ZipWriter {
  private offset = 0;
  private readonly entries: { name: Buffer; crc: number; csize: number; size: number; at: number }[] = [];
  constructor(private readonly out: Writable) {}

  private async put(buf: Buffer): Promise<void> {
    this.offset += buf.length;
    if (!this.out.write(buf) && this.out.writableNeedDrain)
      await new Promise<void>((resolve) => this.out.once('drain', () => resolve()));
  }

  /** Adds one entry, deflating the chunks `fill` hands to `push` (push resolves once it is taken). */
  async add(name: string, fill: (push: (text: string) => Promise<void>) => Promise<void>): Promise<void> {
    const n = Buffer.from(name, 'utf8');
    const at = this.offset;
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    head.writeUInt16LE(20, 4); // version needed: 2.0
    head.writeUInt16LE(0x0808, 6); // sizes in a data descriptor; UTF-8 names
    head.writeUInt16LE(8, 8); // deflate
    head.writeUInt16LE(0, 10); // time 00:00
    head.writeUInt16LE(0x21, 12); // date 1980-01-01
    head.writeUInt16LE(n.length, 26);
    await this.put(Buffer.concat([head, n]));
    const deflate = createDeflateRaw({ level: 6 });
    const outputs: Buffer[] = [];
    deflate.on('data', (c: Buffer) => outputs.push(c));
    const ended = new Promise<void>((resolve, reject) => {
      deflate.once('end', resolve);
      deflate.once('error', reject);
    });
    let crc = 0;
    let size = 0;
    let csize = 0;
    const flushOut = async () => {
      while (outputs.length > 0) {
        const c = outputs.shift()!;
        csize += c.length;
        await this.put(c);
      }
    };
    await fill(async (text) => {
      const buf = Buffer.from(text, 'utf8');
      crc = crc32(buf, crc);
      size += buf.length;
      await new Promise<void>((resolve, reject) => deflate.write(buf, (err) => (err ? reject(err) : resolve())));
      await flushOut();
    });
    deflate.end();
    await ended;
    await flushOut();
    const desc = Buffer.alloc(16);
    desc.writeUInt32LE(0x08074b50, 0);
    desc.writeUInt32LE(crc >>> 0, 4);
    desc.writeUInt32LE(csize, 8);
    desc.writeUInt32LE(size, 12);
    await this.put(desc);
    this.entries.push({ name: n, crc: crc >>> 0, csize, size, at });
  }

  /** Writes the central directory and ends the stream. */
  async end(): Promise<void> {
    const start = this.offset;
    for (const e of this.entries) {
      const c = Buffer.alloc(46);
      c.writeUInt32LE(0x02014b50, 0);
      c.writeUInt16LE(20, 4);
      c.writeUInt16LE(20, 6);
      c.writeUInt16LE(0x0808, 8);
      c.writeUInt16LE(8, 10);
      c.writeUInt16LE(0, 12);
      c.writeUInt16LE(0x21, 14);
      c.writeUInt32LE(e.crc, 16);
      c.writeUInt32LE(e.csize, 20);
      c.writeUInt32LE(e.size, 24);
      c.writeUInt16LE(e.name.length, 28);
      c.writeUInt32LE(e.at, 42);
      await this.put(Buffer.concat([c, e.name]));
    }
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(0x06054b50, 0);
    eocd.writeUInt16LE(this.entries.length, 8);
    eocd.writeUInt16LE(this.entries.length, 10);
    eocd.writeUInt32LE(this.offset - start, 12);
    eocd.writeUInt32LE(start, 16);
    await this.put(eocd);
    this.out.end();
  }
}

/**
 * Streams an XLSX (one sheet: a bold header row, then the rows) into `out` and ends it; rows are
 * written and compressed as they come, so memory stays flat for large exports. Text is stored as
 * inline strings, numbers as numbers, booleans as booleans, dates as date serials with a
 * `yyyy-mm-dd` format. The sheet's XML is written here and deflated by node:zlib: exceljs' streaming
 * writer took several times as long for the same cells (`npm run bench:spreadsheet` prints both).
 */
export async function writeXlsx(
  header: readonly string[],
  rows: RowSource,
  out: Writable,
  options: XlsxWriteOptions = {},
): Promise<void> {
  const name = sheetName(options.sheetName ?? 'Sheet1');
  const zip = new ZipWriter(out);
  for (const [file, text] of xlsxParts(name)) await zip.add(file, (push) => push(text));
  const cols = header.map((_, i) => columnName(i));
  const widths = header
    .map(
      (h, i) =>
        `<col min="${i + 1}" max="${i + 1}" width="${options.widths?.[i] ?? Math.max(10, h.length * 2 + 2)}" customWidth="1"/>`,
    )
    .join('');
  await zip.add('xl/worksheets/sheet1.xml', async (push) => {
    let batch = `${XML_HEAD}<worksheet xmlns="${NS_MAIN}" xmlns:r="${NS_REL}"><sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/>${widths ? `<cols>${widths}</cols>` : ''}<sheetData><row r="1">${header.map((h, i) => xlsxCell(`${cols[i]}1`, h, STYLE_HEADER)).join('')}</row>`;
    let r = 1;
    for await (const row of rows) {
      r++;
      batch += `<row r="${r}">`;
      for (let i = 0; i < row.length; i++) batch += xlsxCell(`${cols[i] ?? columnName(i)}${r}`, row[i]);
      batch += '</row>';
      if (batch.length > 256 * 1024) {
        await push(batch);
        batch = '';
      }
    }
    await push(`${batch}</sheetData></worksheet>`);
  });
  await zip.end();
}

/** An XLSX in memory (for small exports and tests); large ones should stream with writeXlsx. */
export async function toXlsx(
  header: readonly string[],
  rows: RowSource,
  options: XlsxWriteOptions = {},
): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    sink.on('end', resolve);
    sink.on('error', reject);
  });
  await writeXlsx(header, rows, sink, options);
  sink.end();
  await done;
  return Buffer.concat(chunks);
}
