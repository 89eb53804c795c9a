/**
 * `npm run bench:spreadsheet -- [--rows N] [--cols N] [--json]`
 * Writes N rows (default 10,000) × C columns (default 12: an id, a date and numbers) as XLSX with the
 * streaming writer (src/lib/spreadsheet.ts) and, as the anchor of the same run, as CSV; then reads
 * the XLSX back. Three rounds, the two writers alternated; prints the median of each and the
 * XLSX/CSV ratio (timings on a shared machine are only comparable as ratios within one run).
 */
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { readWorkbook, toXlsx, writeCsv, writeXlsx, type CellInput } from '../src/lib/spreadsheet.js';

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
    for (let c = 2; c < COLS; c++) row.push(Math.round(((r * 31 + c * 17) % 100_000) * 1.37 * 100) / 100);
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

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const xlsx: { ms: number; bytes: number }[] = [];
const csv: { ms: number; bytes: number }[] = [];
for (let round = 0; round < 3; round++) {
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
const read: number[] = [];
for (let round = 0; round < 3; round++) read.push((await time(async () => (await readWorkbook(file)).rows.length)).ms);

const result = {
  rows: ROWS,
  cols: COLS,
  xlsx_write_ms: Math.round(median(xlsx.map((x) => x.ms))),
  xlsx_bytes: xlsx[0]!.bytes,
  csv_write_ms: Math.round(median(csv.map((x) => x.ms))),
  csv_bytes: csv[0]!.bytes,
  xlsx_over_csv: Math.round((median(xlsx.map((x) => x.ms)) / median(csv.map((x) => x.ms))) * 10) / 10,
  xlsx_read_ms: Math.round(median(read)),
};
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(`${ROWS} rows × ${COLS} columns, median of 3 (writers alternated):`);
  console.log(`  XLSX write (streaming)  ${result.xlsx_write_ms} ms, ${result.xlsx_bytes} bytes`);
  console.log(
    `  CSV write (anchor)      ${result.csv_write_ms} ms, ${result.csv_bytes} bytes  → XLSX/CSV ×${result.xlsx_over_csv}`,
  );
  console.log(`  XLSX read back          ${result.xlsx_read_ms} ms`);
}
