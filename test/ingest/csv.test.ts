/**
 * The hand-written CSV reader (src/ingest/csv.ts, src/ingest/body.ts) against csv-parse with the
 * options the service used before it (bom, trim, skip_empty_lines, relax_column_count, the header's
 * names trimmed): the same records for every input, or an error from both. Inputs are drawn from
 * the characters that matter (quotes, commas, line breaks, spaces, BOMs) and fed in random pieces.
 */
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvRecords } from '../../src/ingest/body.js';
import { CsvTokenizer } from '../../src/ingest/csv.js';
import { BadRequestError, InvalidRowsError } from '../../src/lib/errors.js';

/** What csv-parse made of `text`: the records, or 'error'. */
function reference(text: string): Record<string, unknown>[] | 'error' {
  try {
    return parse(text, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      columns: (h: string[]) => h.map((c) => c.trim()),
    }) as Record<string, unknown>[];
  } catch {
    return 'error';
  }
}

/** What the service makes of `text` fed in `pieces` (byte chunks of the UTF-8 text). */
async function ours(text: string, cuts: number[] = []): Promise<Record<string, unknown>[] | 'error'> {
  const bytes = Buffer.from(text);
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const c of [...at, bytes.length]) {
    chunks.push(bytes.subarray(from, c));
    from = c;
  }
  const out: Record<string, unknown>[] = [];
  try {
    for await (const r of csvRecords(Readable.from(chunks.filter((c) => c.length > 0)), {
      limit: 1e9,
      charset: 'utf-8',
      required: [],
    }))
      out.push(r);
  } catch (e) {
    if (e instanceof BadRequestError) return 'error';
    throw e;
  }
  return out;
}

const alphabet = fc.constantFrom(
  'a',
  'b',
  ' ',
  '"',
  '"',
  ',',
  ',',
  '\n',
  '\r',
  '\r\n',
  '\t',
  '\f',
  '\ufeff',
  'é',
  '\u3000',
  '\u0000',
);
const csvText = fc.array(alphabet, { maxLength: 60 }).map((a) => a.join(''));
const cellText = fc
  .array(fc.constantFrom('a', ' ', '"', ',', '\n', '\r', '\t', 'x'), { maxLength: 6 })
  .map((a) => a.join(''));
/** Well-formed-ish CSV: cells quoted when they need it, some spaces around, random line ends. */
const tableText = fc
  .tuple(
    fc.array(
      fc.array(fc.tuple(cellText, fc.boolean(), fc.constantFrom('', ' ', '\t')), { minLength: 1, maxLength: 4 }),
      {
        minLength: 1,
        maxLength: 6,
      },
    ),
    fc.constantFrom('\n', '\r\n', '\r'),
    fc.boolean(),
  )
  .map(([rows, nl, bom]) => {
    const cell = ([v, quote, pad]: [string, boolean, string]) =>
      quote || /[",\n\r]/.test(v) ? `${pad}"${v.replace(/"/g, '""')}"${pad}` : `${pad}${v}${pad}`;
    return `${bom ? '\ufeff' : ''}${rows.map((r) => r.map(cell).join(',')).join(nl)}${nl}`;
  });

describe('the CSV reader', () => {
  it('reads what csv-parse read, or refuses what it refused (random characters, random pieces)', async () => {
    await fc.assert(
      fc.asyncProperty(csvText, fc.array(fc.nat(), { maxLength: 4 }), async (text, cuts) => {
        expect(await ours(text, cuts)).toEqual(reference(text));
      }),
      { numRuns: 1500, seed: 16 },
    );
  });

  it('reads what csv-parse read: quoted cells, spaces, every line end, a BOM', async () => {
    await fc.assert(
      fc.asyncProperty(tableText, fc.array(fc.nat(), { maxLength: 4 }), async (text, cuts) => {
        expect(await ours(text, cuts)).toEqual(reference(text));
      }),
      { numRuns: 1500, seed: 16 },
    );
  });

  it('names the line of a malformed record, and a header missing a column as row 0', async () => {
    await expect(ours('a,b\n1,2\n3,"4\n')).resolves.toBe('error');
    const err = await (async () => {
      try {
        for await (const _ of csvRecords(Readable.from([Buffer.from('a,b\n1,2\n3,x"y\n')]), {
          limit: 1e9,
          charset: 'utf-8',
          required: [],
        }));
      } catch (e) {
        return e as BadRequestError;
      }
    })();
    expect(err?.message).toMatch(/^malformed CSV at line 3: Invalid Opening Quote/);
    const missing = csvRecords(Readable.from([Buffer.from(' a ,c\n1,2\n')]), {
      limit: 1e9,
      charset: 'utf-8',
      required: ['a', 'b'],
    });
    await expect(missing.next()).rejects.toBeInstanceOf(InvalidRowsError);
  });

  it('reads a record cut anywhere by the pieces it arrives in, and a long one without reading it again each time', () => {
    const t = new CsvTokenizer();
    const got: string[][] = [];
    const long = 'x'.repeat(200_000);
    const text = `a,"b\n""c"""\r\n${long},2\r\n`;
    for (let i = 0; i < text.length; i += 7) t.feed(text.slice(i, i + 7), false, (f) => got.push(f));
    t.feed('', true, (f) => got.push(f));
    expect(got).toEqual([
      ['a', 'b\n"c"'],
      [long, '2'],
    ]);
  });
});
