/**
 * `npm run bench:spreadsheet -- [--rows N] [--cols N] [--json]`
 * Writes N rows (default 10,000) × C columns (default 12: an id, a date, numbers, a boolean and an
 * empty cell) as XLSX with the streaming writer (src/lib/spreadsheet.ts), with exceljs' streaming
 * writer (what the module used before, kept here as the reference) and, as the anchor of the same
 * run, as CSV; then reads the XLSX back. Three rounds, the writers alternated; prints the median of
 * each, the ratios to the CSV (timings on a shared machine are only comparable as ratios within one
 * run) and whether both workbooks read back to the same rows (`same_rows`).
 */
import { loadavg } from 'node:os';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { type CellInput, readWorkbook, toXlsx, writeCsv, writeXlsx } from '../src/lib/spreadsheet.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000' },
    cols: { type: 'string', default: '12' },
    json: { type: 'boolean', default: false },
  },
});
const ROWS = Number(values.rows);
const COLS = Number(values.cols);
const header = Array.from({ length: COLS }, (_, i) => (i === 0 ? '员工' : i === 1 ? '日期' : `指标${i - 1}`));

function* rows(): Generator<CellInput[]> {
  for (let r = 0; r < ROWS; r++) {
    const row: CellInput[] = [`E${r % 1000}`, new Date(Date.UTC(2026, 0, 1 + (r % 365)))];
    for (let c = 2; c < COLS - 2; c++) row.push(Math.round(((r * 31 + c * 17) % 100_000) * 1.37 * 100) / 100);
    row.push(r % 7 === 0, null);
    yield row;
  }
}

/** A sink that counts bytes (the cost of a real socket or file is not the writer's). */
function sink(): { stream: Writable; bytes: () => number } {
  let n = 0;
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      n += chunk.length;
      done();
    },
  });
  return { stream, bytes: () => n };
}

async function time(fn: () => Promise<number>): Promise<{ ms: number; bytes: number }> {
  const t0 = process.hrtime.bigint();
  const bytes = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, bytes };
}

/** The module's writer before: exceljs' streaming WorkbookWriter, bold header, dates formatted. */
async function exceljsWrite(rowsIn: Iterable<readonly CellInput[]>, out: Writable): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  const ws = wb.addWorksheet('Sheet1');
  ws.columns = header.map((h) => ({ header: h, width: Math.max(10, h.length * 2 + 2) }));
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).commit();
  for (const r of rowsIn) {
    const row = ws.addRow(r.map((v) => (v === undefined ? null : v)));
    r.forEach((v, i) => {
      if (v instanceof Date) row.getCell(i + 1).numFmt = 'yyyy-mm-dd';
    });
    row.commit();
  }
  ws.commit();
  await wb.commit();
}

async function bytesOf(write: (out: Writable) => Promise<void>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => out.on('end', resolve));
  await write(out);
  out.end();
  await done;
  return Buffer.concat(chunks);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const xlsx: { ms: number; bytes: number }[] = [];
const csv: { ms: number; bytes: number }[] = [];
const reference: { ms: number; bytes: number }[] = [];
for (let round = 0; round < 3; round++) {
  reference.push(
    await time(async () => {
      const s = sink();
      await exceljsWrite(rows(), s.stream);
      return s.bytes();
    }),
  );
  xlsx.push(
    await time(async () => {
      const s = sink();
      await writeXlsx(header, rows(), s.stream);
      return s.bytes();
    }),
  );
  csv.push(
    await time(async () => {
      const s = sink();
      await writeCsv(header, rows(), s.stream);
      s.stream.end();
      return s.bytes();
    }),
  );
}
const file = await toXlsx(header, rows());
const before = await bytesOf((out) => exceljsWrite(rows(), out));
const same = JSON.stringify((await readWorkbook(file)).rows) === JSON.stringify((await readWorkbook(before)).rows);
const read: number[] = [];
for (let round = 0; round < 3; round++) read.push((await time(async () => (await readWorkbook(file)).rows.length)).ms);

const result = {
  rows: ROWS,
  cols: COLS,
  xlsx_write_ms: Math.round(median(xlsx.map((x) => x.ms))),
  xlsx_bytes: xlsx[0]!.bytes,
  exceljs_write_ms: Math.round(median(reference.map((x) => x.ms))),
  exceljs_bytes: reference[0]!.bytes,
  csv_write_ms: Math.round(median(csv.map((x) => x.ms))),
  csv_bytes: csv[0]!.bytes,
  xlsx_over_csv: Math.round((median(xlsx.map((x) => x.ms)) / median(csv.map((x) => x.ms))) * 10) / 10,
  exceljs_over_csv: Math.round((median(reference.map((x) => x.ms)) / median(csv.map((x) => x.ms))) * 10) / 10,
  same_rows: same,
  xlsx_read_ms: Math.round(median(read)),
  load: loadavg().map((x) => Number(x.toFixed(2))),
};
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(`${ROWS} rows × ${COLS} columns, median of 3 (writers alternated):`);
  console.log(`  XLSX write (streaming)  ${result.xlsx_write_ms} ms, ${result.xlsx_bytes} bytes`);
  console.log(
    `  CSV write (anchor)      ${result.csv_write_ms} ms, ${result.csv_bytes} bytes  → XLSX/CSV ×${result.xlsx_over_csv}`,
  );
  console.log(
    `  XLSX write (exceljs)    ${result.exceljs_write_ms} ms, ${result.exceljs_bytes} bytes  → ×${result.exceljs_over_csv}; same rows read back: ${result.same_rows}`,
  );
  console.log(`  XLSX read back          ${result.xlsx_read_ms} ms; load ${result.load.join(' ')}`);
}
