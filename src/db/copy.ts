/**
 * COPY in text format: one escaped line per row (PostgreSQL's own bulk path; src/db/postgres.ts
 * streams the lines through pg-copy-streams inside a transaction).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFromStream } from 'pg-copy-streams';

const SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One field of COPY's text format: `\N` for null, backslash, tab, newline and CR escaped. */
export function copyField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  const s = String(v);
  return SPECIAL.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : s;
}

/** A row of COPY's text format, newline included. */
export const copyLine = (fields: readonly (string | number | null | undefined)[]): string =>
  `${fields.map(copyField).join('\t')}\n`;

/**
 * Streams `lines` into `sql` (a `COPY … FROM STDIN`) on `client`: an array or other iterable in
 * pieces of about 256 KB; an async iterable (pieces fed while the rest is being read) as it comes.
 */
export async function copyInto(
  client: pg.PoolClient,
  sql: string,
  lines: Iterable<string> | AsyncIterable<string>,
): Promise<void> {
  if (Symbol.asyncIterator in lines) {
    await pipeline(Readable.from(lines), client.query(copyFromStream(sql)));
    return;
  }
  function* pieces() {
    let buf = '';
    for (const l of lines as Iterable<string>) {
      buf += l;
      if (buf.length >= 256 * 1024) {
        yield buf;
        buf = '';
      }
    }
    if (buf) yield buf;
  }
  await pipeline(Readable.from(pieces()), client.query(copyFromStream(sql)));
}
