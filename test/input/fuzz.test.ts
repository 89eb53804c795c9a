/**
 * The fuzz/property suite over every route (issue 20; the hardening issue reuses it). The routes
 * come from the OpenAPI document, so a new route is covered without touching this file: each
 * operation's example request is taken apart and one piece at a time replaced by something hostile
 * — NUL, lone surrogates, far dates, wrong types, oversized values, prototype-pollution members
 * (__proto__, constructor), deep nesting; in CSV bodies also unbalanced quotes, a BOM and duplicate
 * header columns. Every answer must be below 500, every error problem+json naming what is wrong,
 * and a 4xx must leave every table as it was. Seeded and bounded: the same cases every run.
 */
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { loadDemo } from '../kpi/helpers.js';

interface Operation {
  operationId: string;
  parameters?: { name: string; in: string; example?: unknown }[];
  requestBody?: { content: Record<string, { example?: unknown }> };
}
interface Op {
  id: string;
  method: string;
  url: string;
  op: Operation;
}

/** Strings no route may answer with a 5xx. */
const HOSTILE_STRINGS = [
  'a\u0000b',
  '\u0000',
  '\ud800',
  'x\udfffy',
  '9999-12-31T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '-271821-04-20T00:00:00Z',
  '0000-00-00',
  '1970-01-01',
  '9999-12',
  '0000-W00',
  '-1',
  '1e309',
  'NaN',
  '',
  '   ',
  '__proto__',
  'constructor',
  '\ufeffid',
  "'; drop table employees; --",
  'x'.repeat(70_000),
];
/** Members of the wrong type (JSON bodies). */
const WRONG_TYPES: unknown[] = [
  0,
  -1,
  1e308,
  -0.5,
  true,
  null,
  [],
  {},
  ['a\u0000'],
  { nested: { deeper: 'x\u0000' } },
  Array.from({ length: 2000 }, () => 'x'),
];
/** Tables that are not stored data. */
// bookkeeping, not data: the read path's change marks (a refused delete may mark a change), and the stored
// answers, a cache that successful reads write — on PGlite after the answer has gone (src/services/results.ts),
// so the window of the next request, refused or not, may see the previous read's answer stored
const IGNORED_TABLES = new Set(['read_changes', 'read_results']);
const NESTED = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

/** Percent-encoding that also carries lone surrogates (as the bytes a careless client sends). */
function enc(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...s]
      .map((ch) => {
        try {
          return encodeURIComponent(ch);
        } catch {
          const c = ch.charCodeAt(0);
          return `%${(0xe0 | (c >> 12)).toString(16)}%${(0x80 | ((c >> 6) & 0x3f)).toString(16)}%${(0x80 | (c & 0x3f)).toString(16)}`;
        }
      })
      .join('');
  }
}

/** Paths to every member of `v` (arrays: the first item only), containers included. */
function memberPaths(v: unknown, path: (string | number)[] = [], depth = 0): (string | number)[][] {
  if (depth > 6 || v === null || typeof v !== 'object') return [];
  const out: (string | number)[][] = [];
  const entries: [string | number, unknown][] = Array.isArray(v) ? (v.length ? [[0, v[0]]] : []) : Object.entries(v);
  for (const [k, child] of entries) {
    out.push([...path, k]);
    out.push(...memberPaths(child, [...path, k], depth + 1));
  }
  return out;
}

function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(root);
  let at = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  at[path[path.length - 1]!] = value;
  return copy;
}

const csvCell = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** One hostile request: what it changes (for messages and the naming check) and the request. */
interface Case {
  what: string;
  /** The name the answer should carry when it refuses the text rule (NUL, surrogates). */
  names?: string;
  req: InjectOptions;
}

describeEachBackend('fuzz: hostile input on every route', (get) => {
  let t: TestApp;
  const ops: Op[] = [];
  let tables: string[] = [];

  beforeAll(async () => {
    const { db } = get();
    await loadDemo(db, { people: 6 });
    t = await buildTestApp(db, { BODY_LIMIT: '256kb' });
    const doc = (await t.app.inject({ url: '/docs/json' })).json() as {
      paths: Record<string, Record<string, Operation>>;
    };
    for (const [url, item] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(item)) ops.push({ id: op.operationId, method, url, op });
    tables = (
      await db.query<{ t: string }>(
        `select table_name as t from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by 1`,
      )
    ).rows
      .map((r) => r.t)
      .filter((x) => !IGNORED_TABLES.has(x));
  });
  afterAll(async () => {
    await t?.app.close();
  });

  /** Rows in every table. */
  async function counts(): Promise<Record<string, number>> {
    const sql = `select ${tables.map((x) => `(select count(*) from "${x}")::int8 as "${x}"`).join(', ')}`;
    return (await get().db.query<Record<string, number>>(sql)).rows[0]!;
  }

  /** The example request of `o`, with `query`/`params` overrides and a body. */
  function request(o: Op, over: { query?: Record<string, string>; params?: Record<string, string> } = {}) {
    let path = o.url;
    const query: Record<string, string> = {};
    for (const p of o.op.parameters ?? []) {
      if (p.in === 'path') path = path.replace(`{${p.name}}`, enc(over.params?.[p.name] ?? String(p.example ?? 'x')));
      else if (p.in === 'query' && p.example !== undefined) query[p.name] = String(p.example);
    }
    Object.assign(query, over.query ?? {});
    const qs = Object.entries(query)
      .map(([k, v]) => `${enc(k)}=${enc(v)}`)
      .join('&');
    const json = o.op.requestBody?.content['application/json']?.example;
    return {
      method: o.method.toUpperCase() as InjectOptions['method'],
      url: qs ? `${path}?${qs}` : path,
      headers: {
        ...(t.auth('admin') as Record<string, string>),
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(json === undefined ? {} : { payload: JSON.stringify(json) }),
    };
  }

  /** Strings the text rule refuses (NUL, lone surrogates): the answer must name where they were. */
  const refusedText = (s: string) => s.includes('\u0000') || /[\ud800-\udfff]/.test(s);

  /** Every hostile variant of one operation. */
  function casesOf(o: Op): Case[] {
    const out: Case[] = [];
    const params = o.op.parameters ?? [];
    for (const p of params.filter((x) => x.in === 'query' || x.in === 'path'))
      for (const s of HOSTILE_STRINGS) {
        const where = p.in === 'query' ? 'querystring' : 'params';
        out.push({
          what: `${where}.${p.name} = ${JSON.stringify(s.slice(0, 30))}`,
          // a lone surrogate cannot cross a URL (its bytes decode to U+FFFD); NUL can
          ...(s.includes('\u0000') ? { names: `${where}.${p.name}` } : {}),
          req: request(o, p.in === 'query' ? { query: { [p.name]: s } } : { params: { [p.name]: s } }),
        });
      }
    const content = o.op.requestBody?.content ?? {};
    const json = content['application/json']?.example;
    if (json !== undefined) {
      const base = { ...request(o), headers: { ...request(o).headers, 'content-type': 'application/json' } };
      for (const path of memberPaths(json)) {
        const field = String(path.filter((k) => typeof k === 'string').at(-1) ?? '');
        for (const v of [...HOSTILE_STRINGS, ...WRONG_TYPES])
          out.push({
            what: `body.${path.join('.')} = ${JSON.stringify(v)?.slice(0, 30)}`,
            ...(typeof v === 'string' && refusedText(v) ? { names: field } : {}),
            req: { ...base, payload: JSON.stringify(setAt(json, path, v)) },
          });
      }
      const text = JSON.stringify(json);
      const inFirst = (extra: string) =>
        Array.isArray(json)
          ? text.replace(/^\[\{/, `[{${extra},`)
          : text.startsWith('{"rows":[{')
            ? text.replace(/^\{"rows":\[\{/, `{"rows":[{${extra},`)
            : text.replace(/^\{/, `{${extra},`);
      for (const extra of [
        '"__proto__":{"polluted":true}',
        '"constructor":{"prototype":{"polluted":true}}',
        '"a\\u0000b":1',
        '"\\ud800":1',
      ])
        out.push({ what: `body member ${extra}`, req: { ...base, payload: inFirst(extra) } });
      for (const payload of [NESTED(5000), `{"a":${NESTED(100)}}`, '[', '{"a":1,"a":2}', '"\\u0000"', 'null', '1e999'])
        out.push({ what: `body ${payload.slice(0, 30)}`, req: { ...base, payload } });
    }
    const csvType = Object.keys(content).find((k) => k !== 'application/json');
    const csv = csvType ? content[csvType]?.example : undefined;
    if (typeof csv === 'string') {
      const base = { ...request(o), headers: { ...request(o).headers, 'content-type': csvType! } };
      const lines = csv.split('\n');
      const header = lines[0]!.split(',');
      // the first data row (the sycm example has none after its header that is plain)
      const rowAt = lines.findIndex((l, i) => i > 0 && l.split(',').length === header.length);
      if (rowAt > 0) {
        const cells = lines[rowAt]!.split(',');
        for (const [i, col] of header.entries())
          for (const s of [
            ...HOSTILE_STRINGS.filter((x) => !x.includes('\ud800') && !x.includes('\udfff')),
            '"abc',
            'a"b"',
          ]) {
            const row = cells.map((c, k) => (k === i ? (s.startsWith('"') || s.includes('"b"') ? s : csvCell(s)) : c));
            const body = [...lines.slice(0, rowAt), row.join(','), ...lines.slice(rowAt + 1)].join('\n');
            out.push({
              what: `csv ${col} = ${JSON.stringify(s.slice(0, 30))}`,
              ...(s.includes('\u0000') ? { names: col } : {}),
              req: { ...base, payload: body },
            });
          }
      }
      const variants: [string, string][] = [
        ['a BOM', `\ufeff${csv}`],
        ['two BOMs', `\ufeff\ufeff${csv}`],
        ['a duplicate header column', [`${lines[0]},${header[0]}`, ...lines.slice(1)].join('\n')],
        ['every header column twice', [`${lines[0]},${lines[0]}`, ...lines.slice(1)].join('\n')],
        ['an unbalanced quote in the header', [`"${lines[0]}`, ...lines.slice(1)].join('\n')],
        ['an unbalanced quote at the end', `${csv}"`],
        ['the header only', `${lines[0]}\n`],
        ['nothing', ''],
        ['NUL bytes', csv.replace(/,/g, ',\u0000')],
        ['CR line ends', csv.replace(/\n/g, '\r')],
        ['a prototype-polluting header', [`${lines[0]},__proto__,constructor`, ...lines.slice(1)].join('\n')],
        ['a 70,000-character line', `${csv}${'x'.repeat(70_000)}\n`],
      ];
      for (const [what, payload] of variants) out.push({ what: `csv with ${what}`, req: { ...base, payload } });
    }
    return out;
  }

  /** Sends one case and checks the answer: below 500, problem+json naming something, nothing stored on a 4xx. */
  async function check(o: Op, c: Case): Promise<LightMyRequestResponse> {
    const before = await counts();
    const r = await t.app.inject(c.req);
    const where = `${o.id} ${c.what} → ${r.statusCode} ${r.body.slice(0, 300)}`;
    expect(r.statusCode, where).toBeLessThan(500);
    if (r.statusCode >= 400) {
      expect(r.headers['content-type'], where).toBe('application/problem+json; charset=utf-8');
      const body = r.json() as { code?: string; detail?: string; errors?: { field?: string; path?: string }[] };
      expect(typeof body.code, where).toBe('string');
      expect(body.detail?.length, where).toBeGreaterThan(0);
      if (c.names && (r.statusCode === 400 || r.statusCode === 422))
        expect(JSON.stringify(body.errors ?? body.detail), where).toContain(c.names);
      const after = await counts();
      const changed = Object.keys(after).filter((k) => after[k] !== before[k]);
      expect(
        changed.map((k) => `${k}: ${before[k]} → ${after[k]}`),
        `${where}: a ${r.statusCode} changed the stored rows`,
      ).toEqual([]);
    }
    expect(({} as { polluted?: unknown }).polluted, `${where}: Object.prototype polluted`).toBeUndefined();
    return r;
  }

  it('covers every operation of the document', () => {
    expect(ops.length).toBeGreaterThan(40);
    const without = ops.filter((o) => casesOf(o).length === 0).map((o) => o.id);
    // operations with no parameter and no body: nothing to fuzz but the query string
    for (const id of without) expect(ops.find((o) => o.id === id)!.op.requestBody).toBeUndefined();
  });

  it('every operation: NUL in each parameter, member and column is refused and named, nothing stored', async () => {
    for (const o of ops)
      for (const c of casesOf(o).filter((x) => x.names && /\\u0000"?$|"a\\u0000b"/.test(x.what))) await check(o, c);
  }, 600_000);

  it('every operation: an unknown parameter holding NUL is a 400, not a 500', async () => {
    for (const o of ops) await check(o, { what: 'unknown ?zz=%00', req: request(o, { query: { zz: '\u0000' } }) });
  }, 600_000);

  it('seeded random hostile cases over every operation (fast-check)', async () => {
    const all = ops.flatMap((o) => casesOf(o).map((c) => ({ o, c })));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...all), async ({ o, c }) => {
        await check(o, c);
      }),
      {
        seed: Number(process.env.FUZZ_SEED ?? 20_2026),
        numRuns: Number(process.env.FUZZ_RUNS ?? 600),
        endOnFailure: true,
      },
    );
  }, 900_000);
});
