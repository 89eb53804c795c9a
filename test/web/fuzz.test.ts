/**
 * The console under hostile input (inject, both backends): a crawler signs in as each console user
 * (admin, hr, cs_lead, and an agent on their own page), follows every link of the console from `/`, and reads every form the pages
 * hold, as a browser would. Then one piece at a time is replaced by something hostile — a form field,
 * a link's query parameter, a path segment — and sent. Every answer must be below 500: a console user
 * who types something odd gets a page that says so, never a server error. (A calendar date of the right
 * form but no day, 2026-02-31, reached the database as a 500 before this suite existed.) The API's
 * routes have their own suite (test/input/fuzz.test.ts); this one reaches the console's own parsing.
 *
 * Seeded and bounded: the same requests every run. Not covered here: the file fields of the upload
 * forms (multipart; test/web/refusals.test.ts sends bad files), and the forms that end the session
 * (sign-out, revoking a key, the language switch), which would stop the crawl.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { trainBaselinesProcessor } from '../../src/kpi/train.js';
import { agentKey, buildTestApp, type TestApp, trainBaselines } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { loadDemo } from '../kpi/helpers.js';
import { loadDesk } from './fixture.js';
import { Browser } from './session.js';

/** What a console user could type or a tampered link could carry. */
const HOSTILE = [
  '',
  ' ',
  'a\u0000b',
  '\ud800',
  '2026-02-31',
  '2026-13',
  '2026-W54',
  '2026-Q5',
  '9999-12-31',
  '0000-00-00',
  '-1',
  '1e309',
  'NaN',
  '99999999999999999999',
  '0.0000001',
  '__proto__',
  'constructor',
  '../../etc/passwd',
  '<script>x</script>',
  '%',
  "' OR 1=1 --",
  '客服'.repeat(3000),
  'x'.repeat(20_000),
];
/** Hostile values sent per field (picked by a seeded generator from HOSTILE, plus the empty value). */
const PER_FIELD = 4;
/** Forms whose sending ends the crawl's session or changes the page language. */
const SKIP_ACTIONS = new Set(['/logout', '/keys/revoke', '/lang']);

interface Form {
  page: string;
  action: string;
  method: 'GET' | 'POST';
  fields: [string, string][];
}

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
const attr = (tag: string, name: string): string | undefined => {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m ? decode(m[1]!) : undefined;
};

/** The forms of a page with the values a browser would send untouched (file inputs and buttons aside). */
function formsOf(page: string, html: string): Form[] {
  const forms: Form[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const tag = m[1]!;
    if ((attr(tag, 'enctype') ?? '').startsWith('multipart/')) continue;
    const action = new URL(attr(tag, 'action') ?? page, 'http://console').pathname;
    const method = (attr(tag, 'method') ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET';
    const fields: [string, string][] = [];
    for (const f of m[2]!.matchAll(/<(input|select|textarea)\b([^>]*)>([\s\S]*?(?=<\/select>|<\/textarea>))?/g)) {
      const name = attr(f[2]!, 'name');
      if (!name) continue;
      const type = attr(f[2]!, 'type') ?? 'text';
      if (['file', 'submit', 'button', 'reset', 'image'].includes(type)) continue;
      if ((type === 'checkbox' || type === 'radio') && !/\schecked\b/.test(f[2]!)) continue;
      let value = attr(f[2]!, 'value') ?? (type === 'checkbox' ? 'on' : '');
      if (f[1] === 'select') {
        const options = [...(f[3] ?? '').matchAll(/<option\b([^>]*)>([^<]*)/g)];
        const chosen = options.find((o) => /\sselected\b/.test(o[1]!)) ?? options[0];
        value = chosen ? (attr(chosen[1]!, 'value') ?? decode(chosen[2]!)) : '';
      } else if (f[1] === 'textarea') value = decode(f[3] ?? '');
      fields.push([name, value]);
    }
    forms.push({ page, action, method, fields });
  }
  return forms;
}

/** The console links of a page (not static files, exports of other formats kept), without fragments. */
const linksOf = (html: string): string[] =>
  [...html.matchAll(/<a\b[^>]*\shref="([^"]+)"/g)]
    .map((m) => decode(m[1]!))
    .filter((h) => h.startsWith('/') && !h.startsWith('//') && !h.startsWith('/static/') && !h.startsWith('/v1/'))
    .map((h) => h.split('#')[0]!)
    .filter((h) => h !== '/logout');

/** A path segment; a lone surrogate goes as the bytes of one (not UTF-8), as a tampered link could carry. */
const encodeSegment = (v: string): string => {
  try {
    return encodeURIComponent(v);
  } catch {
    return '%ED%A0%80';
  }
};

/** A small seeded generator (the same picks every run). */
function picker(seed: number) {
  let s = seed >>> 0;
  return <T>(xs: readonly T[]): T => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return xs[s % xs.length]!;
  };
}

interface Crawl {
  pages: string[];
  forms: Form[];
}

/** Breadth first from `/`: one visit per path and query-key set, at most `limit` pages. */
async function crawl(b: Browser, limit = 120): Promise<Crawl> {
  const seen = new Set<string>();
  const queue = ['/'];
  const pages: string[] = [];
  const forms = new Map<string, Form>();
  const perPath = new Map<string, number>();
  while (queue.length > 0 && pages.length < limit) {
    const url = queue.shift()!;
    const u = new URL(url, 'http://console');
    const sig = `${u.pathname}?${[...u.searchParams.keys()].sort().join('&')}`;
    // pages that differ only by an id in the path (an agent, a payout run): three of each shape
    const shape = u.pathname.split('/').length > 3 ? u.pathname.replace(/\/[^/]+$/, '/*') : u.pathname;
    if (seen.has(sig) || (perPath.get(shape) ?? 0) >= 3) continue;
    seen.add(sig);
    perPath.set(shape, (perPath.get(shape) ?? 0) + 1);
    const res = await b.get(url);
    const to = res.headers.location;
    if (res.statusCode >= 300 && res.statusCode < 400 && typeof to === 'string' && to.startsWith('/')) queue.push(to);
    if (res.statusCode >= 300) continue;
    pages.push(url);
    if (!String(res.headers['content-type'] ?? '').startsWith('text/html')) continue;
    for (const f of formsOf(u.pathname + u.search, res.body)) {
      const key = `${f.method} ${f.action} ${f.fields.map(([k]) => k).join(',')}`;
      if (!forms.has(key)) forms.set(key, f);
      // a filter form sent as it stands: the page a user reaches by pressing its button
      if (f.method === 'GET' && f.fields.length > 0)
        queue.push(`${f.action}?${new URLSearchParams(f.fields).toString()}`);
    }
    queue.push(...linksOf(res.body));
  }
  return { pages, forms: [...forms.values()] };
}

describeEachBackend('console: hostile input never answers 5xx', (get) => {
  let t: TestApp;
  const keys: Record<string, string> = {};
  beforeAll(async () => {
    await loadDemo(get().db, { people: 12 });
    // baselines for one role and metric, so the target desk, its forms and the why page are there; the
    // app under test runs no jobs (a fuzzed training form only queues one)
    const trainer = await buildTestApp(get().db, {}, false, { train_baselines: trainBaselinesProcessor as never });
    await trainBaselines(trainer, { role: 'cs_agent', network: false });
    await trainer.app.close();
    t = await buildTestApp(get().db);
    await loadDesk(t);
    Object.assign(keys, t.keys, { agent: (await agentKey(get().db, 'A03')).authorization.slice('Bearer '.length) });
  }, 300_000);
  afterAll(async () => {
    await t?.app.close();
  });

  for (const scope of ['admin', 'hr', 'cs_lead', 'agent'] as const) {
    it(`as ${scope}: every form field, query parameter and path segment`, async () => {
      const b = new Browser(t);
      await b.signIn(keys[scope]!);
      const { pages, forms } = await crawl(b);
      const pick = picker(scope.length * 7919);
      const failures: string[] = [];
      let sent = 0;
      const check = (what: string, status: number, body: string) => {
        sent++;
        if (status >= 500) failures.push(`${status} ${what}: ${body.slice(0, 200)}`);
      };
      const values = () => ['', ...Array.from({ length: PER_FIELD - 1 }, () => pick(HOSTILE))];
      const short = (v: string) => JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…(${v.length})` : v);

      let fieldsFuzzed = 0;
      for (const form of forms) {
        if (SKIP_ACTIONS.has(form.action)) continue;
        for (const [i, [name]] of form.fields.entries()) {
          if (name === '_csrf') continue;
          fieldsFuzzed++;
          for (const v of values()) {
            const fields = form.fields.map(([k, x], j): [string, string] => [k, j === i ? v : x]);
            const what = `${form.method} ${form.action} ${name}=${short(v)} (form on ${form.page})`;
            if (form.method === 'GET') {
              const r = await b.get(`${form.action}?${new URLSearchParams(fields).toString()}`);
              check(what, r.statusCode, r.body);
            } else {
              // the form's own page first, as a user would have it open (and its session token)
              await b.get(form.page);
              const r = await b.post(form.action, Object.fromEntries(fields.filter(([k]) => k !== '_csrf')));
              check(what, r.statusCode, r.body);
              // a refusal may not end the session: the crawl goes on signed in
              if (r.statusCode === 302 && String(r.headers.location).startsWith('/login')) await b.signIn(keys[scope]!);
            }
          }
        }
      }

      let paramsFuzzed = 0;
      for (const page of pages) {
        const u = new URL(page, 'http://console');
        const params = [...u.searchParams.entries()];
        for (const [i, [name]] of params.entries()) {
          paramsFuzzed++;
          for (const v of values()) {
            const q = new URLSearchParams(params.map(([k, x], j): [string, string] => [k, j === i ? v : x]));
            const r = await b.get(`${u.pathname}?${q.toString()}`);
            check(`GET ${u.pathname} ${name}=${short(v)}`, r.statusCode, r.body);
          }
        }
        // a parameter twice (a tampered link): the page reads one of them or refuses
        if (params.length > 0) {
          const [k, x] = params[0]!;
          const r = await b.get(`${page}&${encodeURIComponent(k)}=${encodeURIComponent(x)}x`);
          check(`GET ${page} with ${k} twice`, r.statusCode, r.body);
        }
        const segments = u.pathname.split('/').filter(Boolean);
        for (let s = 1; s < segments.length; s++)
          for (const v of values()) {
            const path = segments.map((x, j) => (j === s ? encodeSegment(v) : x)).join('/');
            const r = await b.get(`/${path}${u.search}`);
            check(`GET /${path.slice(0, 80)}`, r.statusCode, r.body);
          }
      }

      // the crawl reached the console, not a sign-in page
      expect(pages.length).toBeGreaterThan({ admin: 30, hr: 15, cs_lead: 15, agent: 0 }[scope]);
      expect(fieldsFuzzed).toBeGreaterThan({ admin: 40, hr: 20, cs_lead: 20, agent: 0 }[scope]);
      expect(paramsFuzzed).toBeGreaterThan({ admin: 40, hr: 20, cs_lead: 20, agent: 0 }[scope]);
      expect(failures, `${failures.length} of ${sent} requests answered 5xx`).toEqual([]);
    }, 300_000);
  }
});
