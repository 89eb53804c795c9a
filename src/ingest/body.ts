/**
 * Turns a request body into records for the ingestion pipeline, without knowing HTTP:
 * JSON (an array, or `{ "rows": [...] }`) or a CSV byte stream, read incrementally with a
 * byte limit, strict UTF-8 (or GBK with `charset=gbk`) and a header check.
 */
import { Transform, type Readable } from 'node:stream';
import { isUtf8 } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';
import iconv from 'iconv-lite';
import { BadRequestError, InvalidRowsError, PayloadTooLargeError } from '../lib/errors.js';
import { CsvTokenizer } from './csv.js';

export type Charset = 'utf-8' | 'gbk';

export function charsetOf(contentType: string | undefined): Charset {
  const m = /charset\s*=\s*"?([\w-]+)"?/i.exec(contentType ?? '');
  const c = (m?.[1] ?? 'utf-8').toLowerCase();
  if (c === 'utf-8' || c === 'utf8') return 'utf-8';
  if (c === 'gbk' || c === 'gb2312' || c === 'gb18030') return 'gbk';
  throw new BadRequestError(`charset ${c} is not supported; send utf-8 or gbk`);
}

/** Byte offset of the first invalid UTF-8 sequence in `buf` from `from`, or -1 (an incomplete tail is valid). */
function firstInvalidUtf8(buf: Buffer, from = 0): number {
  let i = from;
  while (i < buf.length) {
    const b = buf[i]!;
    const need =
      b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= buf.length) return -1;
      const c = buf[i + k]!;
      if ((c & 0xc0) !== 0x80) return i;
    }
    if (need === 2) {
      const c1 = buf[i + 1]!;
      if ((b === 0xe0 && c1 < 0xa0) || (b === 0xed && c1 > 0x9f)) return i;
    } else if (need === 3) {
      const c1 = buf[i + 1]!;
      if ((b === 0xf0 && c1 < 0x90) || (b === 0xf4 && c1 > 0x8f)) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** How many LF bytes `buf` holds from `from` to `to`. */
function countLf(buf: Buffer, from = 0, to = buf.length): number {
  let n = 0;
  for (let i = buf.indexOf(0x0a, from); i >= 0 && i < to; i = buf.indexOf(0x0a, i + 1)) n++;
  return n;
}

/** Length of an incomplete UTF-8 sequence at the end of `buf` (0–3 bytes), kept for the next chunk. */
function incompleteTail(buf: Buffer): number {
  for (let k = 1; k <= Math.min(3, buf.length); k++) {
    const c = buf[buf.length - k]!;
    if ((c & 0xc0) === 0xc0) {
      const len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
      return len > k ? k : 0;
    }
    if ((c & 0xc0) !== 0x80) return 0;
  }
  return 0;
}

/**
 * Bytes → text (strings, one per chunk), enforcing `limit` bytes and valid encoding; errors name the
 * byte offset and line.
 */
export function decodeLimited(limit: number, charset: Charset): Transform {
  let bytes = 0;
  let lines = 1;
  let carry = Buffer.alloc(0);
  const gbk = charset === 'gbk' ? iconv.getDecoder('gbk') : null;
  const utf8 = new StringDecoder('utf8');
  return new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > limit) return done(new PayloadTooLargeError(limit));
      if (gbk) return done(null, gbk.write(chunk));
      const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      // the native check on the whole sequences; the byte-wise one only to name a fault, and on the tail
      const tail = incompleteTail(buf);
      const whole = isUtf8(tail > 0 ? buf.subarray(0, buf.length - tail) : buf);
      const bad = whole ? (tail > 0 ? firstInvalidUtf8(buf, buf.length - tail) : -1) : firstInvalidUtf8(buf);
      if (bad >= 0) {
        const nl = countLf(buf, 0, bad);
        return done(
          new BadRequestError(
            `the body is not valid UTF-8 at byte ${bytes - buf.length + bad} (line ${lines + nl}); send charset=gbk for GBK exports`,
            {
              line: lines + nl,
            },
          ),
        );
      }
      lines += countLf(chunk);
      carry = tail > 0 ? Buffer.from(buf.subarray(buf.length - tail)) : Buffer.alloc(0);
      const text = utf8.write(chunk);
      if (text.length > 0) return done(null, text);
      done();
    },
    flush(done) {
      if (carry.length > 0) return done(new BadRequestError(`the body ends inside a UTF-8 sequence (line ${lines})`));
      const rest = gbk ? gbk.end() : utf8.end();
      if (rest) return done(null, rest);
      done();
    },
  });
}

/**
 * Parses a CSV stream with a header row into records, a batch per piece of the stream (the dialect:
 * src/ingest/csv.ts). `required` columns must be in the header. Throws (while iterating)
 * BadRequestError for malformed CSV, InvalidRowsError for a header missing a column,
 * PayloadTooLargeError past `limit` bytes.
 */
export async function* csvBatches(
  stream: Readable,
  opts: { limit: number; charset: Charset; required: readonly string[] },
): AsyncGenerator<Record<string, unknown>[]> {
  const decoder = decodeLimited(opts.limit, opts.charset);
  const tokenizer = new CsvTokenizer();
  let cols: string[] | null = null;
  let batch: Record<string, unknown>[] = [];
  const onRecord = (fields: string[]) => {
    if (cols === null) {
      cols = header(fields, opts.required);
      return;
    }
    const record: Record<string, unknown> = {};
    const n = fields.length < cols.length ? fields.length : cols.length;
    for (let i = 0; i < n; i++) record[cols[i]!] = fields[i];
    batch.push(record);
  };
  stream.on('error', (e) => decoder.destroy(e));
  stream.pipe(decoder);
  try {
    for await (const chunk of decoder) {
      const text = chunk as string;
      // a large piece (a body handed over whole) is read in slices, each a batch, with a turn of the
      // event loop between them: what the batches start (a COPY) proceeds while the rest is read
      for (let at = 0; at < text.length; at += SLICE) {
        tokenizer.feed(text.length <= SLICE ? text : text.slice(at, at + SLICE), false, onRecord);
        if (batch.length > 0) {
          yield batch;
          batch = [];
        }
        if (text.length > SLICE) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    tokenizer.feed('', true, onRecord);
    if (batch.length > 0) yield batch;
  } finally {
    stream.unpipe(decoder);
    if (!stream.readableEnded) stream.resume();
  }
}

/** Characters of decoded text read at a time (about 2,000 history rows). */
const SLICE = 64 * 1024;

/** The header's column names (trimmed), or an InvalidRowsError naming each `required` one it lacks. */
function header(fields: string[], required: readonly string[]): string[] {
  const cols = fields.map((h) => h.trim());
  const missing = required.filter((c) => !cols.includes(c));
  if (missing.length > 0) {
    throw new InvalidRowsError(
      missing.map((c) => ({
        row: 0,
        field: c,
        reason: `column missing from the CSV header (header has: ${cols.join(', ') || 'nothing'})`,
      })),
      'header columns',
    );
  }
  return cols;
}

/** csvBatches one record at a time. */
export async function* csvRecords(
  stream: Readable,
  opts: { limit: number; charset: Charset; required: readonly string[] },
): AsyncGenerator<Record<string, unknown>> {
  for await (const batch of csvBatches(stream, opts)) yield* batch;
}

/**
 * Records that also come in batches (a CSV body's, one per piece read): the pipeline reads the
 * batches, without a promise per record; any other reader iterates them one by one.
 */
export interface RecordBatches extends AsyncIterable<Record<string, unknown>> {
  batches: AsyncIterable<Record<string, unknown>[]>;
}

/** `batches` as RecordBatches. */
export function inBatches(batches: AsyncIterable<Record<string, unknown>[]>): RecordBatches {
  return {
    batches,
    async *[Symbol.asyncIterator]() {
      for await (const batch of batches) yield* batch;
    },
  };
}

const SURROGATE = /[\ud800-\udfff]/;

/** Whether `s` may break the text rule (src/lib/text.ts: NUL, a lone surrogate); false: it does not. */
export const mayBreakTextRule = (s: string): boolean => s.includes('\u0000') || SURROGATE.test(s);

/** Records from a parsed JSON body: an array of objects, or an object with a `rows` array. */
export function jsonRecords(body: unknown): Record<string, unknown>[] {
  const rows = Array.isArray(body)
    ? body
    : body && typeof body === 'object' && Array.isArray((body as { rows?: unknown }).rows)
      ? (body as { rows: unknown[] }).rows
      : null;
  if (!rows) throw new BadRequestError('expected a JSON array of rows, or an object with a "rows" array');
  return rows as Record<string, unknown>[];
}

/** Reads a raw body stream into one Buffer, enforcing `limit` bytes. */
export async function readLimited(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      stream.resume();
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
