/**
 * Turns a request body into records for the ingestion pipeline, without knowing HTTP:
 * JSON (an array, or `{ "rows": [...] }`) or a CSV byte stream, read incrementally with a
 * byte limit, strict UTF-8 (or GBK with `charset=gbk`) and a header check.
 */
import { Transform, type Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { CsvError, parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { BadRequestError, DomainError, InvalidRowsError, PayloadTooLargeError } from '../lib/errors.js';

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

/** Bytes → text, enforcing `limit` bytes and valid encoding; errors name the byte offset and line. */
export function decodeLimited(limit: number, charset: Charset): Transform {
  let bytes = 0;
  let lines = 1;
  let carry = Buffer.alloc(0);
  const gbk = charset === 'gbk' ? iconv.getDecoder('gbk') : null;
  const utf8 = new StringDecoder('utf8');
  return new Transform({
    readableObjectMode: false,
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > limit) return done(new PayloadTooLargeError(limit));
      if (gbk) return done(null, gbk.write(chunk));
      const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const bad = firstInvalidUtf8(buf);
      if (bad >= 0) {
        const before = buf.subarray(0, bad);
        let nl = 0;
        for (const c of before) if (c === 0x0a) nl++;
        return done(
          new BadRequestError(
            `the body is not valid UTF-8 at byte ${bytes - buf.length + bad} (line ${lines + nl}); send charset=gbk for GBK exports`,
            {
              line: lines + nl,
            },
          ),
        );
      }
      for (const c of chunk) if (c === 0x0a) lines++;
      // keep an incomplete trailing sequence (at most 3 bytes) for the next chunk's check
      let tail = 0;
      for (let k = 1; k <= Math.min(3, buf.length); k++) {
        const c = buf[buf.length - k]!;
        if ((c & 0xc0) === 0xc0) {
          const len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
          if (len > k) tail = k;
          break;
        }
        if ((c & 0xc0) !== 0x80) break;
      }
      carry = tail > 0 ? Buffer.from(buf.subarray(buf.length - tail)) : Buffer.alloc(0);
      done(null, utf8.write(chunk));
    },
    flush(done) {
      if (carry.length > 0) return done(new BadRequestError(`the body ends inside a UTF-8 sequence (line ${lines})`));
      const rest = gbk ? gbk.end() : utf8.end();
      done(null, rest ?? '');
    },
  });
}

/**
 * Parses a CSV stream with a header row into records. `required` columns must be in the header.
 * Throws (while iterating) BadRequestError for malformed CSV, InvalidRowsError for a header
 * missing a column, PayloadTooLargeError past `limit` bytes.
 */
export async function* csvRecords(
  stream: Readable,
  opts: { limit: number; charset: Charset; required: readonly string[] },
): AsyncGenerator<Record<string, unknown>> {
  const decoder = decodeLimited(opts.limit, opts.charset);
  const parser = parse({
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    columns: (header: string[]) => {
      const cols = header.map((h) => h.trim());
      const missing = opts.required.filter((c) => !cols.includes(c));
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
    },
  });
  stream.on('error', (e) => decoder.destroy(e));
  decoder.on('error', (e) => parser.destroy(e));
  stream.pipe(decoder).pipe(parser);
  try {
    for await (const record of parser) yield record as Record<string, unknown>;
  } catch (err) {
    if (err instanceof DomainError) throw err;
    // csv-parse wraps errors thrown from the columns callback
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof DomainError) throw cause;
    if (err instanceof CsvError) {
      const line = (err as { lines?: number }).lines;
      throw new BadRequestError(`malformed CSV${line ? ` at line ${line}` : ''}: ${err.message}`);
    }
    throw err;
  } finally {
    stream.unpipe(decoder);
    if (!stream.readableEnded) stream.resume();
  }
}

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
