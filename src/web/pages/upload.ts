/**
 * `/upload` (console part 2, issue 13): one form for every bulk upload the API takes — employees and
 * KPI history (hr), reviews and returns (cs_lead), 生意参谋 and GA4 exports (hr) — as a
 * multipart form whose file goes to the same service function as the API's route. The served
 * script (static/upload.js) sends it with XMLHttpRequest to show the upload's progress and swaps the
 * answer in; without it the form posts as a plain page. The answer: the counts (inserted, updated,
 * unchanged, and what the kind adds), or the refusal's row errors as a table (row, field, reason)
 * with the total — nothing is written then, as the API's 422 says.
 */
import { Readable } from 'node:stream';
import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import sjson from 'secure-json-parse';
import { DomainError, type RowError } from '../../lib/errors.js';
import { STATUS_OF_CODE } from '../../plugins/errors.js';
import { bodySource } from '../../routes/ingest.js';
import type { UploadedFile } from '../../services/ingestion.js';
import { type Ctx, type Desk, mayUse } from '../context.js';
import { type Html, html } from '../html.js';
import { hidden, page, sendPage } from '../layout.js';
import { approvalWhyText, type MessageKey, metricName, refusalText, warningText } from '../messages.js';
import { assetUrl } from '../static.js';
import { optionList } from './common.js';
import { num } from './targets.js';

export const UPLOAD_KINDS = ['employees', 'history', 'reviews', 'returns', 'sycm', 'ga4'] as const;
export type UploadKind = (typeof UPLOAD_KINDS)[number];
/** Who may upload each kind: the API route's scope (admin may do all). */
const DESK_OF: Record<UploadKind, Desk> = {
  employees: 'hr',
  history: 'hr',
  reviews: 'quality',
  returns: 'quality',
  sycm: 'hr',
  ga4: 'hr',
};

/** What an upload answered: the counts every kind has, and what some add. */
interface Outcome {
  received: number;
  inserted: number;
  updated: number;
  unchanged: number;
  scored?: number;
  ratings_updated?: number;
  warnings?: { code: string; message: string }[];
  periods?: { partial: boolean; emitted: boolean }[];
}

interface FilePart {
  name: string;
  bytes: Buffer;
}

interface Options {
  encoding: 'auto' | 'utf-8' | 'gbk';
  employee_id?: string;
  employee_dimension?: string;
  period_kind: 'week' | 'month' | 'quarter';
  partial: 'drop' | 'include';
  shop?: string;
  sheet?: string;
}

const str = (v: unknown, max = 200): string | undefined => {
  const s = typeof v === 'string' ? v.trim() : '';
  return s && s.length <= max ? s : undefined;
};

function optionsOf(b: Record<string, unknown>): Options {
  const pick = <T extends string>(v: unknown, allowed: readonly T[], fallback: T): T =>
    allowed.includes(v as T) ? (v as T) : fallback;
  const o: Options = {
    encoding: pick(b.encoding, ['auto', 'utf-8', 'gbk'] as const, 'auto'),
    period_kind: pick(b.period_kind, ['week', 'month', 'quarter'] as const, 'week'),
    partial: pick(b.partial, ['drop', 'include'] as const, 'drop'),
  };
  for (const k of ['employee_id', 'employee_dimension', 'shop', 'sheet'] as const) {
    const v = str(b[k]);
    if (v) o[k] = v;
  }
  return o;
}

/** JSON when the name says so or the first character (after a BOM and blanks) opens an array or object. */
function looksJson(f: FilePart): boolean {
  if (/\.json$/i.test(f.name)) return true;
  const head = f.bytes
    .subarray(0, 64)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  return head.startsWith('[') || head.startsWith('{');
}

const fileError = (file: string, reason: string): DomainError =>
  new DomainError('invalid_rows', `${file}: ${reason}`, {
    errors: [{ row: 0, field: '(file)', reason }],
    error_count: 1,
  });

export default async function uploadPages(app: FastifyInstance): Promise<void> {
  const { ingestion, reviews, overrideImport } = app.services;
  const limit = app.initialConfig.bodyLimit ?? 1024 * 1024;
  // the form's fields as strings (the CSRF check reads _csrf), its one file read whole up to the body limit
  await app.register(fastifyMultipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: limit, files: 1, fields: 20, parts: 21 },
    async onFile(part) {
      (part as unknown as { value: FilePart }).value = { name: part.filename || 'file', bytes: await part.toBuffer() };
    },
  });

  const allowed = (ctx: Ctx): UploadKind[] =>
    UPLOAD_KINDS.filter((k) => ctx.session && mayUse(ctx.session.scopes, DESK_OF[k]));

  /** The file as the kind's record source, or its files; the same service functions as the API's routes. */
  async function run(kind: UploadKind, f: FilePart, o: Options): Promise<Outcome> {
    const stream = (): Readable => Readable.from([f.bytes]);
    if (kind === 'sycm' || kind === 'ga4') {
      const files: UploadedFile[] = [{ name: f.name, stream: stream() }];
      const common = { periodKind: o.period_kind, partial: o.partial };
      if (kind === 'sycm') {
        if (!o.employee_id) throw fileError(f.name, 'employee_id: required for a 生意参谋 export');
        return ingestion.importSycm(files, {
          ...common,
          employee_id: o.employee_id,
          encoding: o.encoding,
          ...(o.shop ? { shop: o.shop } : {}),
          ...(o.sheet ? { sheet: o.sheet } : {}),
        });
      }
      return ingestion.importGa4(
        { files },
        {
          ...common,
          ...(o.employee_id ? { employee_id: o.employee_id } : {}),
          ...(o.employee_dimension ? { employeeDimension: o.employee_dimension } : {}),
        },
      );
    }
    let source: ReturnType<typeof bodySource>;
    if (looksJson(f)) {
      let parsed: unknown;
      try {
        parsed = sjson.parse(f.bytes.toString('utf8').replace(/^\uFEFF/, ''), undefined, {
          protoAction: 'remove',
          constructorAction: 'remove',
        });
      } catch (e) {
        throw fileError(f.name, `not valid JSON: ${(e as Error).message}`);
      }
      source = bodySource('application/json', parsed);
    } else {
      const charset = o.encoding === 'gbk' ? 'gbk' : 'utf-8';
      source = bodySource(`text/csv; charset=${charset}`, stream());
    }
    if (kind === 'employees') return ingestion.employees(source);
    if (kind === 'history') return ingestion.history(source);
    if (kind === 'reviews') return reviews.ingestReviews(source);
    return reviews.ingestReturns(source);
  }

  function form(ctx: Ctx, kinds: UploadKind[], chosen: UploadKind, o: Partial<Options>): Html {
    const { t } = ctx;
    const text = (id: string, name: keyof Options, label: MessageKey) =>
      html`<div class="field"><label for="${id}">${t(label)}</label><input id="${id}" name="${name}" type="text" maxlength="200" value="${(o[name] as string | undefined) ?? ''}"></div>`;
    return html`<section class="card" aria-labelledby="h-upload">
<h2 id="h-upload">${t('upload.submit')}</h2>
<p>${t('upload.intro')}</p>
<form method="post" action="/upload" enctype="multipart/form-data" class="stack" data-upload
  data-sending="${t('upload.sending')}" data-processing="${t('upload.processing')}" data-failed="${t('upload.failedNet')}">
${hidden('_csrf', ctx.csrf)}
<label for="u-kind">${t('upload.kind')}</label>
<select id="u-kind" name="kind">${optionList(
      kinds.map((k) => [k, t(`upload.kind.${k}` as MessageKey)] as const),
      chosen,
    )}</select>
<label for="u-file">${t('upload.file')}</label>
<input id="u-file" name="file" type="file" required accept=".csv,.txt,.json,.xls,.xlsx,.zip,text/csv,application/json">
<div class="field"><label for="u-enc">${t('upload.encoding')}</label>
<select id="u-enc" name="encoding">${optionList(
      [
        ['auto', t('upload.encoding.auto')],
        ['utf-8', 'UTF-8'],
        ['gbk', 'GBK'],
      ],
      o.encoding ?? 'auto',
    )}</select></div>
${
  kinds.includes('sycm') || kinds.includes('ga4')
    ? html`<fieldset class="options"><legend>${t('upload.options')}</legend>
<p class="hint">${t('upload.options.hint')}</p>
<div class="form-grid">
${text('u-emp', 'employee_id', 'upload.employee')}
<div class="field"><label for="u-pk">${t('upload.periodKind')}</label><select id="u-pk" name="period_kind">${optionList(
        (['week', 'month', 'quarter'] as const).map((k) => [k, t(`kind.${k}`)] as const),
        o.period_kind ?? 'week',
      )}</select></div>
<div class="field"><label for="u-partial">${t('upload.partial')}</label><select id="u-partial" name="partial">${optionList(
        [
          ['drop', t('upload.partial.drop')],
          ['include', t('upload.partial.include')],
        ],
        o.partial ?? 'drop',
      )}</select></div>
${text('u-shop', 'shop', 'upload.shop')}
${text('u-sheet', 'sheet', 'upload.sheet')}
${text('u-dim', 'employee_dimension', 'upload.employeeDimension')}
</div></fieldset>`
    : ''
}
<div class="upload-status" data-upload-status hidden>
<progress max="100" value="0" aria-label="${t('upload.progress')}"></progress>
<span role="status" aria-live="polite"></span></div>
<button type="submit">${t('upload.submit')}</button>
</form></section>
<script src="${assetUrl('upload.js')}" defer></script>`;
  }

  function summary(ctx: Ctx, file: string, r: Outcome): Html {
    const { t, f } = ctx;
    const cells: [MessageKey, number][] = [
      ['upload.received', r.received],
      ['upload.inserted', r.inserted],
      ['upload.updated', r.updated],
      ['upload.unchanged', r.unchanged],
    ];
    if (r.scored !== undefined) cells.push(['upload.scored', r.scored]);
    if (r.ratings_updated !== undefined) cells.push(['upload.ratingsUpdated', r.ratings_updated]);
    if (r.periods) {
      cells.push(['upload.periods', r.periods.length]);
      cells.push(['upload.partialPeriods', r.periods.filter((p) => p.partial).length]);
    }
    return html`<section class="card" aria-labelledby="h-result" data-upload-result="ok">
<h2 id="h-result" tabindex="-1">${t('upload.summary')}</h2>
<p class="notice info" role="status">${t('upload.done', { file })}</p>
<dl class="counts">${cells.map(([k, n]) => html`<div><dt>${t(k)}</dt><dd data-count="${k.slice(7)}">${f.count(n)}</dd></div>`)}</dl>
${
  r.warnings && r.warnings.length > 0
    ? html`<h3>${t('upload.warnings')}</h3><ul class="warnings">${r.warnings.map((w) => html`<li data-warning="${w.code}">${warningText(t, w.message)}</li>`)}</ul>`
    : ''
}</section>`;
  }

  function refusal(ctx: Ctx, file: string, e: DomainError): Html {
    const { t, f } = ctx;
    // a refusal of the whole file (a charset, a malformed CSV) is one error of row 0
    const listed = Array.isArray(e.extra.errors) ? (e.extra.errors as (Partial<RowError> & { file?: string })[]) : [];
    const errors = listed.length > 0 ? listed : [{ row: 0, field: '(file)', reason: e.message }];
    const count = typeof e.extra.error_count === 'number' ? e.extra.error_count : errors.length;
    const withFile = errors.some((x) => typeof x.file === 'string');
    return html`<section class="card" aria-labelledby="h-result" data-upload-result="refused">
<h2 id="h-result" tabindex="-1">${t('upload.summary')}</h2>
<p class="notice error" role="alert">${t('upload.rejected', { file, count: f.count(count) })}${
      count > errors.length ? html` ${t('upload.listed', { n: errors.length })}` : ''
    }</p>
<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-errors"><table class="row-errors">
<caption id="h-errors">${t('upload.errors')}</caption>
<thead><tr>${withFile ? html`<th scope="col">${t('upload.col.file')}</th>` : ''}<th scope="col">${t('upload.col.row')}</th><th scope="col">${t('upload.col.field')}</th><th scope="col">${t('upload.col.reason')}</th></tr></thead>
<tbody>${errors.map(
      (x) =>
        html`<tr data-row="${x.row ?? 0}">${withFile ? html`<td>${x.file ?? ''}</td>` : ''}<td class="num">${x.row ? x.row : t('upload.rowZero')}</td><td><code>${x.field ?? ''}</code></td><td>${refusalText(t, x.reason ?? '')}</td></tr>`,
    )}</tbody></table></div></section>`;
  }

  const render = (ctx: Ctx, parts: { chosen?: UploadKind; o?: Partial<Options>; result?: Html }) => {
    const kinds = allowed(ctx);
    const chosen = parts.chosen && kinds.includes(parts.chosen) ? parts.chosen : kinds[0]!;
    return page(ctx, {
      title: ctx.t('upload.title'),
      active: '/upload',
      body: html`${parts.result ?? ''}${form(ctx, kinds, chosen, parts.o ?? {})}`,
    });
  };

  // ── the override import of the target desk: the desk's export layout back, all or nothing ──

  const localBack = (raw: unknown): string =>
    typeof raw === 'string' && /^\/targets(?:[/?]|$)[^\s]*$/.test(raw) ? raw : '/targets';

  function importForm(ctx: Ctx, back: string): Html {
    const { t } = ctx;
    return html`<section class="card" aria-labelledby="h-import">
<h2 id="h-import">${t('import.title')}</h2>
<p>${t('import.intro')}</p>
<form method="post" action="/targets/import" enctype="multipart/form-data" class="stack" data-upload
  data-sending="${t('upload.sending')}" data-processing="${t('upload.processing')}" data-failed="${t('upload.failedNet')}">
${hidden('_csrf', ctx.csrf)}${hidden('back', back)}
<label for="i-file">${t('upload.file')}</label>
<input id="i-file" name="file" type="file" required accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet">
<div class="upload-status" data-upload-status hidden>
<progress max="100" value="0" aria-label="${t('upload.progress')}"></progress>
<span role="status" aria-live="polite"></span></div>
<button type="submit">${t('import.submit')}</button>
</form>
<p><a href="${back}">${t('import.back')}</a></p></section>
<script src="${assetUrl('upload.js')}" defer></script>`;
  }

  const importPage = (ctx: Ctx, back: string, result?: Html) =>
    page(ctx, {
      title: ctx.t('import.title'),
      active: '/targets',
      body: html`${result ?? ''}${importForm(ctx, back)}`,
    });

  app.get('/targets/import', { config: { console: 'hr' } }, async (request, reply) => {
    const q = request.query as { back?: unknown };
    return sendPage(reply, importPage(request.ctx, localBack(q.back)));
  });

  app.post('/targets/import', { config: { console: 'hr' } }, async (request, reply) => {
    const { ctx } = request;
    const b = (request.body ?? {}) as Record<string, unknown>;
    const back = localBack(b.back);
    const file = b.file as FilePart | undefined;
    if (!file || !Buffer.isBuffer(file.bytes) || file.bytes.length === 0)
      return sendPage(
        reply.code(400),
        importPage(
          ctx,
          back,
          html`<p class="notice error" role="alert" data-upload-result="refused">${ctx.t('upload.noFile')}</p>`,
        ),
      );
    try {
      const r = await overrideImport.importOverrides(file, ctx.session!.keyId);
      const { t, f } = ctx;
      const waiting = r.requests.length > 0;
      const pending = waiting
        ? html`<h3 id="h-pending">${t('import.pending')}</h3>
<p>${t('import.pendingIntro')} <a href="/hr/approvals" data-link="approvals">${t('import.toApprovals')}</a></p>
<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-pending"><table class="import-requests">
<thead><tr><th scope="col">${t('import.col.row')}</th><th scope="col">${t('import.col.employee')}</th><th scope="col">${t('import.col.metric')}</th><th scope="col">${t('import.col.period')}</th><th scope="col" class="num">${t('import.col.value')}</th><th scope="col">${t('import.col.why')}</th><th scope="col">${t('import.col.request')}</th></tr></thead>
<tbody>${r.requests.map(
            (q) =>
              html`<tr data-request="${q.request_id}" data-row="${q.row}"><td class="num">${String(q.row)}</td><td>${q.employee_id}</td><td>${metricName(t, q.metric)}</td><td>${q.period}</td><td class="num">${num(q.value)}</td><td>${approvalWhyText(t, f, q.why)}</td><td>#${q.request_id} <span class="badge">${t(q.filed ? 'import.filed' : 'import.already')}</span></td></tr>`,
          )}</tbody></table></div>`
        : '';
      const done = html`<section class="card" aria-labelledby="h-result" data-upload-result="ok">
<h2 id="h-result" tabindex="-1">${t('upload.summary')}</h2>
<p class="notice info" role="status">${
        waiting
          ? t('import.doneRequested', {
              set: r.set,
              cleared: r.cleared,
              requested: r.requested,
              unchanged: r.unchanged,
            })
          : t('import.done', { set: r.set, cleared: r.cleared, unchanged: r.unchanged })
      }</p>
<dl class="counts">${(
        [
          ['upload.received', 'received', r.received],
          ['import.set', 'set', r.set],
          ['import.cleared', 'cleared', r.cleared],
          ['import.requested', 'requested', r.requested],
          ['upload.unchanged', 'unchanged', r.unchanged],
        ] as const
      ).map(([k, name, n]) => html`<div><dt>${t(k)}</dt><dd data-count="${name}">${f.count(n)}</dd></div>`)}</dl>
${pending}
<p><a href="${back}">${t('import.back')}</a></p></section>`;
      return sendPage(reply, importPage(ctx, back, done));
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      const status = STATUS_OF_CODE[e.code] ?? 400;
      if (status >= 500) throw e;
      return sendPage(reply.code(status), importPage(ctx, back, refusal(ctx, file.name, e)));
    }
  });

  app.get('/upload', { config: { console: 'data' } }, async (request, reply) => {
    const q = request.query as { kind?: string };
    return sendPage(reply, render(request.ctx, { chosen: q.kind as UploadKind }));
  });

  app.post('/upload', { config: { console: 'data' } }, async (request, reply) => {
    const { ctx } = request;
    const b = (request.body ?? {}) as Record<string, unknown>;
    const kind = UPLOAD_KINDS.find((k) => k === b.kind);
    const o = optionsOf(b);
    const note = (status: number, key: MessageKey) =>
      sendPage(
        reply.code(status),
        render(ctx, {
          ...(kind ? { chosen: kind } : {}),
          o,
          result: html`<p class="notice error" role="alert" data-upload-result="refused">${ctx.t(key)}</p>`,
        }),
      );
    if (!kind) return note(400, 'upload.kind');
    if (!allowed(ctx).includes(kind)) return note(403, 'error.forbidden');
    const file = b.file as FilePart | undefined;
    if (!file || !Buffer.isBuffer(file.bytes) || file.bytes.length === 0) return note(400, 'upload.noFile');
    try {
      const outcome = await run(kind, file, o);
      return sendPage(reply, render(ctx, { chosen: kind, o, result: summary(ctx, file.name, outcome) }));
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      const status = STATUS_OF_CODE[e.code] ?? 400;
      if (status >= 500) throw e;
      return sendPage(reply.code(status), render(ctx, { chosen: kind, o, result: refusal(ctx, file.name, e) }));
    }
  });
}
