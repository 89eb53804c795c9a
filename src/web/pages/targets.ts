/**
 * HR's target desk (issue 13): `/targets` — a role, a period of the role's cycle and a metric tab;
 * everyone's warning line, baseline, target and stretch with the 80 % interval beside the model's
 * measured coverage, badges, top drivers and the override in force; searched, filtered, sorted and
 * paged on the server (app.services.desk); exported as CSV/XLSX with the same filters.
 * `/targets/why` — "why this number": history with the forecast fan, target and override lines,
 * promotions, the drivers as a waterfall, and the override / revert forms (POST, CSRF-checked,
 * a reason required; app.services.targets). `/targets/audit` — the one audit log (app.services.audit),
 * filtered and exported. Scope: hr (and admin).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parsePeriod } from '../../history/period.js';
import { BadRequestError } from '../../lib/errors.js';
import { textFault } from '../../lib/text.js';
import type { PersonTarget } from '../../kpi/targets.js';
import { DESK_FLAGS, DESK_SORTS, type DeskQuery, type DeskView } from '../../services/target-desk.js';
import { chart, waterfallAxisMin } from '../charts.js';
import type { Ctx } from '../context.js';
import { type Html, html, queryString, trusted } from '../html.js';
import { hidden, page, pager, sendPage } from '../layout.js';
import { auditReasonText, type MessageKey, metricName, roleName, wordOf } from '../messages.js';
import { optionList, parseQuery } from './common.js';

const PAGE_SIZE = 50;
const DRIVERS = ['level', 'trend', 'seasonality', 'promotion', 'other'] as const;
const id = z.string().min(1).max(128);

const deskQuery = z.object({
  role: id.optional(),
  metric: id.optional(),
  period: z.string().max(16).optional(),
  q: z.string().max(128).optional(),
  flag: z.enum(DESK_FLAGS).optional(),
  sort: z.enum(DESK_SORTS).default('employee'),
  dir: z.enum(['asc', 'desc']).default('asc'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  saved: z.enum(['set', 'cleared', 'pending']).optional(),
});
type DeskParams = z.infer<typeof deskQuery>;

const whyQuery = z.object({
  employee: id,
  metric: id,
  period: z.string().max(16),
  saved: z.enum(['set', 'cleared', 'pending']).optional(),
});

const overrideBody = z.object({
  role: id,
  metric: id,
  period: z.string().max(16),
  employee_id: id,
  // an empty field is no value (z.coerce would read '' as 0 and set an override of 0)
  value: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce.number().finite().optional(),
  ),
  reason: z.string().trim().min(1).max(2000),
  back: z.string().max(2000).optional(),
});

const auditQuery = z.object({
  action: z.enum(['target_override.', 'api_key.', 'model.', 'period.', 'override_request.']).optional(),
  actor: z.string().max(128).optional(),
  role: id.optional(),
  metric: id.optional(),
  period: z.string().max(16).optional(),
  employee_id: id.optional(),
  before: z.coerce.number().int().min(1).optional(),
});

// one formatter per number of decimals: toLocaleString with options builds a formatter on every call
const NUM = [0, 1, 2, 3].map(
  (digits) => new Intl.NumberFormat('en-US', { minimumFractionDigits: 0, maximumFractionDigits: digits }),
);

const FIXED = [0, 1, 2, 3].map(
  (digits) => new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }),
);

/** Decimals for a number of this size: none from 1,000, one from 100, two from 1, else three. */
const digitsFor = (a: number): number => (a >= 1000 ? 0 : a >= 100 ? 1 : a >= 1 ? 2 : 3);

/** A tiny negative rounds to "-0" (or "-0.00"): no sign on a zero. */
const unsignedZero = (s: string): string => (/^-0(\.0+)?$/.test(s) ? s.slice(1) : s);

/** Numbers as a KPI reads: grouped integers from 1,000, else up to three significant decimals. */
export function num(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return unsignedZero(NUM[digitsFor(Math.abs(x))]!.format(x));
}

/**
 * A formatter for one column of a table: every cell gets the decimals `num` gives the column's median
 * magnitude, so 0.9, 0.925 and 1.25 read 0.900, 0.925 and 1.250 in the same column.
 */
export function columnNum(values: readonly (number | null | undefined)[]): (x: number | null | undefined) => string {
  const mags = values
    .filter((v): v is number => v !== null && v !== undefined && Number.isFinite(v))
    .map(Math.abs)
    .sort((a, b) => a - b);
  if (mags.length === 0) return num;
  const fmt = FIXED[digitsFor(mags[(mags.length - 1) >> 1]!)]!;
  return (x) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : unsignedZero(fmt.format(x)));
}

const localBack = (s: string | undefined, fallback: string) =>
  s && /^\/targets(?:[/?][^\s]*)?$/.test(s) ? s : fallback;

/** A sparkline of up to four values as a small inline SVG (presentation attributes only: the CSP allows it). */
function sparkline(ctx: Ctx, recent: { period: string; value: number | null }[]): Html {
  const label = ctx.t('desk.spark', {
    values: recent.map((r) => `${r.period} ${num(r.value)}`).join(', '),
  });
  const vals = recent.map((r) => r.value).filter((v): v is number => v !== null);
  if (vals.length === 0)
    return html`<span class="spark-none" title="${label}">—<span class="sr-only">${label}</span></span>`;
  const lo = Math.min(...vals);
  const hi = Math.max(...vals);
  const W = 72;
  const H = 22;
  const pts: string[] = [];
  recent.forEach((r, i) => {
    if (r.value === null) return;
    const x = 3 + (i * (W - 6)) / Math.max(1, recent.length - 1);
    const y = hi === lo ? H / 2 : H - 3 - ((r.value - lo) / (hi - lo)) * (H - 6);
    pts.push(`${x.toFixed(1)},${y.toFixed(1)}`);
  });
  const last = pts[pts.length - 1]!.split(',');
  // only numbers reach the markup (points computed here); the label goes through the template
  return html`<svg class="spark" role="img" aria-label="${label}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">${trusted(
    `<polyline points="${pts.join(' ')}" fill="none" stroke="#1e3a5f" stroke-width="1.5"></polyline><circle cx="${last[0]}" cy="${last[1]}" r="2.2" fill="#1e3a5f"></circle>`,
  )}</svg>`;
}

function topDrivers(ctx: Ctx, p: PersonTarget): Html {
  const moving = (['trend', 'seasonality', 'promotion', 'other'] as const)
    .map((k) => [k, p.drivers[k]] as const)
    .filter(([, v]) => num(Math.abs(v)) !== '0')
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
    .slice(0, 2);
  if (moving.length === 0) return html`—`;
  return html`${moving.map(
    ([k, v], i) =>
      html`${i > 0 ? ' · ' : ''}${ctx.t(`driver.${k}` as MessageKey)} ${v > 0 ? '+' : '−'}${num(Math.abs(v))}`,
  )}`;
}

function badges(ctx: Ctx, p: PersonTarget, direction: 'higher' | 'lower'): Html {
  const { t } = ctx;
  return html`${p.cold_start ? html`<span class="badge neu">${t('desk.badge.cold')}</span> ` : ''}${
    p.below_floor
      ? html`<span class="badge warn">${t(direction === 'higher' ? 'desk.badge.belowHigher' : 'desk.badge.belowLower')}</span> `
      : ''
  }${
    p.override
      ? html`<span class="badge pos" title="${p.override.reason}">${t(p.override.level === 'role' ? 'desk.badge.roleOverride' : 'desk.badge.override')}</span>`
      : ''
  }`;
}

function deskLink(v: DeskView, q: Partial<DeskParams>, extra: Record<string, string | number | undefined> = {}) {
  return `/targets${queryString({
    role: v.role.id,
    metric: v.metric ?? undefined,
    period: v.period || undefined,
    q: q.q,
    flag: q.flag,
    sort: q.sort === 'employee' ? undefined : q.sort,
    dir: q.dir === 'asc' ? undefined : q.dir,
    ...extra,
  })}`;
}

function deskBody(ctx: Ctx, v: DeskView, q: DeskParams): Html {
  const { t, f } = ctx;
  const a = v.answer;
  const dirWord = a ? t(a.direction === 'higher' ? 'desk.higher' : 'desk.lower') : '';
  const bound = a ? t(a.direction === 'higher' ? 'desk.atLeast' : 'desk.atMost') : '';
  const filters = html`<form class="filters" method="get" action="/targets" data-partial aria-label="${t('filters.title')}">
  <div class="field"><label for="f-role">${t('filter.role')}</label>
    <select id="f-role" name="role">${optionList(
      v.roles.map((r) => [r.id, `${roleName(t, r.id, r.name)} · ${t(`kind.${r.cycle}` as MessageKey)}`] as const),
      v.role.id,
    )}</select></div>
  <div class="field"><label for="f-period">${t('filter.period')}</label>
    <select id="f-period" name="period">${optionList(
      v.periods.map((p) => [p, p] as const),
      v.period,
    )}</select></div>
  ${v.metric ? hidden('metric', v.metric) : ''}
  <div class="field"><label for="f-q">${t('desk.search')}</label>
    <input id="f-q" name="q" type="search" value="${q.q ?? ''}" maxlength="128" spellcheck="false"></div>
  <div class="field"><label for="f-flag">${t('desk.flag')}</label>
    <select id="f-flag" name="flag">${optionList(
      [['', t('filter.all')], ...DESK_FLAGS.map((x) => [x, t(`desk.flag.${x}` as MessageKey)] as const)],
      q.flag ?? '',
    )}</select></div>
  <div class="field"><label for="f-sort">${t('sort.label')}</label>
    <select id="f-sort" name="sort">${optionList(
      DESK_SORTS.map((x) => [x, t(`desk.sort.${x}` as MessageKey)] as const),
      q.sort,
    )}</select></div>
  <div class="field"><label for="f-dir">${t('desk.dir')}</label>
    <select id="f-dir" name="dir">${optionList(
      [
        ['asc', t('desk.dir.asc')],
        ['desc', t('desk.dir.desc')],
      ],
      q.dir,
    )}</select></div>
  <button type="submit">${t('filter.apply')}</button>
</form>`;
  const tabs =
    v.metrics.length > 0
      ? html`<nav class="tabs" aria-label="${t('desk.metrics')}"><ul>${v.metrics.map(
          (m) =>
            html`<li><a data-partial data-metric="${m.id}" href="${deskLink(v, { ...q, q: q.q }, { metric: m.id })}"${m.id === v.metric ? html` aria-current="page"` : ''}>${metricName(t, m.id, m.name)}</a></li>`,
        )}</ul></nav>`
      : '';
  const metricLabel = (id: string) => metricName(t, id, v.metrics.find((m) => m.id === id)?.name ?? id);
  const closed = v.closed
    ? html`<p class="notice info" role="status" data-field="closed"><span class="badge neu">${t('desk.closed', {
        version: v.closed.version,
        who: v.closed.closed_by ?? '—',
        when: f.dateTime(new Date(v.closed.closed_at)),
      })}</span> ${t('desk.closedNote')}</p>`
    : '';
  const saved = q.saved
    ? html`<p class="notice info" role="status">${t(q.saved === 'set' ? 'override.saved' : q.saved === 'pending' ? 'override.pending' : 'override.reverted')}</p>`
    : '';
  if (!a)
    return html`${filters}${tabs}${saved}${closed}<section class="card narrow"><p class="notice error" role="alert">${t('desk.noModel', { reason: v.problem?.reason ?? '' })}</p></section>`;
  const exportQ = {
    role: v.role.id,
    metric: a.metric,
    period: a.period,
    q: q.q,
    flag: q.flag,
    sort: q.sort,
    dir: q.dir,
  };
  const s = a.summary;
  const summary = html`<div class="summary">
  <p><strong data-field="direction">${dirWord}</strong> · ${t('desk.model', { v: a.model_version, through: a.data_through, h: a.periods_ahead })}${a.promotion_period ? html` · <span class="badge warn">${t('desk.promotionPeriod')}</span>` : ''}</p>
  <p data-field="coverage">${t('desk.coverage', { c: f.pct(a.coverage.measured80, 1) })}</p>
  <p>${t('desk.summary', { people: f.count(s.people), cold: f.count(s.cold_start), below: f.count(s.below_floor), over: f.count(s.overridden) })}</p>
  <p role="status">${t('desk.people', { n: f.count(v.total) })}</p>
  <p class="exports">${t('export.label')}:
    <a href="/targets/export.csv${queryString(exportQ)}" download>${t('export.csv')}</a>
    <a href="/targets/export.xlsx${queryString(exportQ)}" download>${t('export.xlsx')}</a>
    <a href="/targets/import${queryString({ back: ctx.url })}">${t('import.link')}</a></p>
</div>`;
  const back = deskLink(v, q, { page: q.page > 1 ? q.page : undefined });
  const whyHref = (p: PersonTarget) =>
    `/targets/why${queryString({ employee: p.employee_id, metric: a.metric, period: a.period })}`;
  // one number of decimals for every number cell of the metric's table, from the baselines' size
  const cell = columnNum(v.rows.map((p) => p.baseline));
  const rows = v.rows.map(
    (p) => html`<tr data-employee="${p.employee_id}">
<th scope="row"><a href="${whyHref(p)}" aria-label="${t('desk.why', { id: p.employee_id })}">${p.employee_id}</a></th>
<td>${sparkline(ctx, p.recent)}</td>
<td class="num" data-field="floor">${cell(p.floor)}</td>
<td class="num" data-field="baseline">${cell(p.baseline)}</td>
<td class="num" data-field="target"><strong>${cell(p.target)}</strong>${p.override ? html`<br><small>${t('desk.suggested', { v: cell(p.suggested_target) })}</small>` : ''}</td>
<td class="num" data-field="stretch">${cell(p.stretch)}</td>
<td class="num" data-field="interval">${cell(p.interval80[0])}–${cell(p.interval80[1])}</td>
<td class="num" data-field="actual">${cell(p.actual)}</td>
<td>${badges(ctx, p, a.direction)}</td>
<td>${topDrivers(ctx, p)}</td>
</tr>`,
  );
  const table =
    v.rows.length > 0
      ? html`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-desk"><table>
<caption id="h-desk">${t('desk.title')} · ${roleName(t, v.role.id, v.role.name)} · ${metricLabel(a.metric)} · ${a.period}</caption>
<thead><tr><th scope="col">${t('desk.col.person')}</th><th scope="col">${t('desk.col.recent')}</th>
<th scope="col">${t('desk.col.floor')}</th><th scope="col">${t('desk.col.baseline')}</th>
<th scope="col">${t('desk.col.target')} ${bound}</th><th scope="col">${t('desk.col.stretch')}</th>
<th scope="col">${t('desk.col.interval')}<br><small>${f.pct(a.coverage.measured80, 0)}</small></th><th scope="col">${t('desk.col.actual')}</th>
<th scope="col">${t('desk.col.flags')}</th><th scope="col">${t('desk.col.drivers')}</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
      : html`<p class="empty">${t('empty')}</p>`;
  const roleWide = html`<details class="card"><summary>${t('desk.roleOverride')}</summary>
<form method="post" action="/targets/override" class="stack">
  ${hidden('_csrf', ctx.csrf)}${hidden('role', v.role.id)}${hidden('metric', a.metric)}${hidden('period', a.period)}${hidden('employee_id', '*')}${hidden('back', back)}
  <label for="rw-value">${t('override.value')} ${bound}</label>
  <input id="rw-value" name="value" type="number" step="any" required inputmode="decimal">
  <label for="rw-reason">${t('override.reason')}</label>
  <textarea id="rw-reason" name="reason" required maxlength="2000" rows="2"></textarea>
  <button type="submit">${t('override.set')}</button>
</form>
<form method="post" action="/targets/revert" class="stack">
  ${hidden('_csrf', ctx.csrf)}${hidden('role', v.role.id)}${hidden('metric', a.metric)}${hidden('period', a.period)}${hidden('employee_id', '*')}${hidden('back', back)}
  <label for="rw-revert">${t('override.revertReason')}</label>
  <input id="rw-revert" name="reason" required maxlength="2000">
  <button type="submit" class="secondary">${t('override.revert')}</button>
</form></details>`;
  // a closed period's targets change only after a reopen (the service refuses it): no override form
  return html`${filters}${tabs}${saved}${closed}${summary}${table}
${pager(ctx, { total: v.total, limit: PAGE_SIZE, offset: (q.page - 1) * PAGE_SIZE, link: (o) => deskLink(v, q, { page: o / PAGE_SIZE + 1 }) })}
${v.closed ? '' : roleWide}`;
}

function toDeskQuery(q: DeskParams, limit: number): DeskQuery {
  return {
    role: q.role,
    metric: q.metric,
    period: q.period,
    search: q.q,
    flag: q.flag,
    sort: q.sort,
    dir: q.dir,
    limit,
    offset: (q.page - 1) * limit,
  };
}

export default async function targetPages(app: FastifyInstance): Promise<void> {
  const { desk, targets, audit } = app.services;

  app.get('/targets', { config: { console: 'hr' } }, async (request, reply) => {
    const { ctx } = request;
    const q = parseQuery(deskQuery, request.query);
    const v = await desk.desk(toDeskQuery(q, PAGE_SIZE));
    const title = `${ctx.t('desk.title')} · ${roleName(ctx.t, v.role.id, v.role.name)}${v.period ? ` · ${v.period}` : ''}`;
    return sendPage(reply, page(ctx, { title, active: '/targets', body: deskBody(ctx, v, q) }));
  });

  for (const format of ['csv', 'xlsx'] as const) {
    app.get(`/targets/export.${format}`, { config: { console: 'hr' } }, async (request, reply) => {
      const q = parseQuery(deskQuery, request.query);
      const { limit: _l, offset: _o, ...rest } = toDeskQuery(q, PAGE_SIZE);
      const file = await desk.export(rest, format);
      reply.header('content-disposition', `attachment; filename="${file.filename}"`);
      return reply.type(file.contentType).send(file.body);
    });
  }

  app.get('/targets/why', { config: { console: 'hr' } }, async (request, reply) => {
    const { ctx } = request;
    const { t, lang } = ctx;
    const q = parseQuery(whyQuery, request.query);
    const w = await desk.why({ employee_id: q.employee, metric: q.metric, period: q.period });
    const { person: p, answer: a } = w;
    const periods = w.history.map((h) => h.period);
    const last = periods.length - 1;
    const qv = (name: string) => p.quantiles[name] ?? null;
    const at = (value: number | null) => periods.map((_, i) => (i === last ? value : null));
    const p10 = qv('P10');
    const p90 = qv('P90');
    const p30 = qv('P30');
    const p70 = qv('P70');
    const promoAreas = w.history
      .filter((h) => w.promotions.some((e) => overlaps(e, h.period)))
      .map((h) => [{ xAxis: h.period }, { xAxis: h.period }]);
    const marks: { name: string; yAxis: number; lineStyle: { color: string; type: string } }[] = [
      { name: t('why.target'), yAxis: p.target, lineStyle: { color: '#b45309', type: 'solid' } },
    ];
    if (p.override)
      marks.push({
        name: t('why.suggested'),
        yAxis: p.suggested_target,
        lineStyle: { color: '#6b7280', type: 'dashed' },
      });
    const fan = chart({
      width: 720,
      height: 320,
      lang,
      label: `${t('why.fan')}: ${w.history.map((h) => `${h.period} ${num(h.value)}`).join(', ')}; P10–P90 ${num(p10)}–${num(p90)}; ${t('why.target')} ${num(p.target)}`,
      option: {
        grid: { left: 64, right: 24, top: 40, bottom: 56 },
        legend: { top: 4, data: [t('why.actual'), t('why.band90'), t('why.band70')] },
        xAxis: { type: 'category', data: periods, axisLabel: { rotate: 45 } },
        yAxis: { type: 'value', scale: true },
        series: [
          {
            name: 'b90',
            type: 'bar',
            stack: 'a',
            data: at(p10),
            itemStyle: { color: 'transparent' },
            silent: true,
            barWidth: 28,
          },
          {
            name: t('why.band90'),
            type: 'bar',
            stack: 'a',
            data: at(p10 !== null && p90 !== null ? p90 - p10 : null),
            color: '#bfdbfe',
            barWidth: 28,
          },
          {
            name: 'b70',
            type: 'bar',
            stack: 'b',
            data: at(p30),
            itemStyle: { color: 'transparent' },
            silent: true,
            barGap: '-100%',
            barWidth: 28,
          },
          {
            name: t('why.band70'),
            type: 'bar',
            stack: 'b',
            data: at(p30 !== null && p70 !== null ? p70 - p30 : null),
            color: '#60a5fa',
            barWidth: 28,
          },
          {
            name: t('why.actual'),
            type: 'line',
            data: w.history.map((h) => h.value),
            color: '#1e3a5f',
            symbolSize: 6,
            connectNulls: false,
            markLine: {
              symbol: 'none',
              label: {
                position: 'insideEndTop',
                formatter: (x: { name: string; value: number }) => `${x.name} ${num(x.value)}`,
              },
              data: marks,
            },
            markArea:
              promoAreas.length > 0
                ? { itemStyle: { color: 'rgba(245, 158, 11, 0.15)' }, data: promoAreas }
                : undefined,
          },
        ],
      },
    });
    // waterfall: level, trend, seasonality, promotion, other → the baseline
    const steps = DRIVERS.map((k) => p.drivers[k]);
    const bases: number[] = [];
    let run = 0;
    for (const d of steps) {
      bases.push(d >= 0 ? run : run + d);
      run += d;
    }
    const names = [...DRIVERS.map((k) => t(`driver.${k}` as MessageKey)), t('driver.total')];
    // a level far above 0 would leave the drivers as slivers: the axis then starts near the totals, and says so
    const axisMin = waterfallAxisMin(steps);
    const waterfall = chart({
      width: 720,
      height: 280,
      lang,
      label: `${t('why.drivers')}: ${DRIVERS.map((k) => `${t(`driver.${k}` as MessageKey)} ${num(p.drivers[k])}`).join(', ')}; ${t('driver.total')} ${num(run)}`,
      option: {
        grid: { left: 64, right: 16, top: 20, bottom: 40 },
        xAxis: { type: 'category', data: names },
        yAxis: { type: 'value', scale: true, ...(axisMin === null ? {} : { min: axisMin }) },
        series: [
          { type: 'bar', stack: 'w', data: [...bases, 0], itemStyle: { color: 'transparent' }, silent: true },
          {
            type: 'bar',
            stack: 'w',
            data: [
              ...steps.map((d, i) => ({
                value: Math.abs(d),
                itemStyle: { color: i === 0 ? '#64748b' : d >= 0 ? '#15803d' : '#b91c1c' },
              })),
              { value: run, itemStyle: { color: '#1e3a5f' } },
            ],
            label: {
              show: true,
              position: 'top',
              formatter: (x: { dataIndex: number }) => num(x.dataIndex < steps.length ? steps[x.dataIndex]! : run),
            },
          },
        ],
      },
    });
    const back = `/targets${queryString({ role: w.role, metric: w.metric, period: w.period })}`;
    const self = `/targets/why${queryString({ employee: w.employee_id, metric: w.metric, period: w.period })}`;
    const bound = t(a.direction === 'higher' ? 'desk.atLeast' : 'desk.atMost');
    const lineRows: [string, string, number][] = [
      [t('desk.col.floor'), a.quantiles_used.floor, p.floor],
      [t('desk.col.baseline'), a.quantiles_used.baseline, p.baseline],
      [`${t('why.suggested')}`, a.quantiles_used.target, p.suggested_target],
      [t('desk.col.stretch'), a.quantiles_used.stretch, p.stretch],
    ];
    const personal = p.override?.level === 'person';
    const closed = w.closed
      ? html`<p class="notice info" role="status" data-field="closed"><span class="badge neu">${t('desk.closed', {
          version: w.closed.version,
          who: w.closed.closed_by ?? '—',
          when: ctx.f.dateTime(new Date(w.closed.closed_at)),
        })}</span> ${t('desk.closedNote')}</p>`
      : '';
    const body = html`<p><a href="${back}">${t('why.back')}</a></p>
${q.saved ? html`<p class="notice info" role="status">${t(q.saved === 'set' ? 'override.saved' : q.saved === 'pending' ? 'override.pending' : 'override.reverted')}</p>` : ''}${closed}
<div class="summary">
  <p><strong>${t(a.direction === 'higher' ? 'desk.higher' : 'desk.lower')}</strong> · ${t('desk.model', { v: a.model_version, through: a.data_through, h: a.periods_ahead })}</p>
  <p>${t('desk.col.target')} ${bound}: <strong data-field="target">${num(p.target)}</strong> · ${t('desk.col.interval')} ${num(p.interval80[0])}–${num(p.interval80[1])} · ${t('desk.coverage', { c: ctx.f.pct(a.coverage.measured80, 1) })}</p>
  <p>${badges(ctx, p, a.direction)}</p>
  ${p.override ? html`<p data-field="override">${t('override.inForce', { value: num(p.override.value), reason: p.override.reason, who: p.override.set_by ?? '—', when: ctx.f.dateTime(new Date(p.override.set_at)) })}</p>` : ''}
</div>
<div class="grid">
<section class="card" aria-labelledby="h-fan"><h2 id="h-fan">${t('why.fan')}</h2>${fan}</section>
<section class="card" aria-labelledby="h-drivers"><h2 id="h-drivers">${t('why.drivers')}</h2>${waterfall}
${axisMin === null ? '' : html`<p class="hint" data-field="axis-min">${t('why.axisFrom', { v: num(axisMin) })}</p>`}
<table><caption class="sr-only">${t('why.drivers')}</caption><tbody>${DRIVERS.map((k) => html`<tr><th scope="row">${t(`driver.${k}` as MessageKey)}</th><td class="num">${num(p.drivers[k])}</td></tr>`)}</tbody></table></section>
</div>
<div class="grid">
<section class="card" aria-labelledby="h-lines"><h2 id="h-lines">${t('why.lines')}</h2>
<table><thead><tr><th scope="col">${t('why.line')}</th><th scope="col">${t('why.quantile')}</th><th scope="col">${t('why.value')}</th></tr></thead>
<tbody>${lineRows.map(([n, qn, val]) => html`<tr><th scope="row">${n}</th><td>${qn}</td><td class="num">${num(val)}</td></tr>`)}</tbody></table></section>
<section class="card" aria-labelledby="h-promo"><h2 id="h-promo">${t('why.promotions')}</h2>
${w.promotions.length > 0 ? html`<ul>${w.promotions.map((e) => html`<li>${e.name}: ${e.starts_on} – ${e.ends_on}</li>`)}</ul>` : html`<p class="empty">${t('why.noPromotions')}</p>`}
</section>
</div>
${
  w.closed
    ? ''
    : html`<section class="card" aria-labelledby="h-override"><h2 id="h-override">${t('why.overrideTitle')}</h2>
<form method="post" action="/targets/override" class="stack">
  ${hidden('_csrf', ctx.csrf)}${hidden('role', w.role)}${hidden('metric', w.metric)}${hidden('period', w.period)}${hidden('employee_id', w.employee_id)}${hidden('back', self)}
  <label for="o-value">${t('override.value')} ${bound}</label>
  <input id="o-value" name="value" type="number" step="any" required inputmode="decimal" value="${personal ? String(p.override!.value) : ''}">
  <label for="o-reason">${t('override.reason')}</label>
  <textarea id="o-reason" name="reason" required maxlength="2000" rows="2"></textarea>
  <button type="submit">${t('override.set')}</button>
</form>
${
  personal
    ? html`<form method="post" action="/targets/revert" class="stack">
  ${hidden('_csrf', ctx.csrf)}${hidden('role', w.role)}${hidden('metric', w.metric)}${hidden('period', w.period)}${hidden('employee_id', w.employee_id)}${hidden('back', self)}
  <label for="o-revert">${t('override.revertReason')}</label>
  <input id="o-revert" name="reason" required maxlength="2000">
  <button type="submit" class="secondary">${t('override.revert')}</button>
</form>`
    : ''
}
</section>`
}`;
    return sendPage(
      reply,
      page(ctx, {
        title: t('why.title', { id: w.employee_id, metric: metricName(t, w.metric), period: w.period }),
        active: '/targets',
        body,
      }),
    );
  });

  const overridePost =
    (kind: 'set' | 'cleared') =>
    async (request: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
      const body = overrideBody.safeParse(request.body);
      if (!body.success)
        throw new BadRequestError(body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      const b = body.data;
      const fault = textFault(b.reason);
      if (fault) throw new BadRequestError(`reason: ${fault}`);
      const actor = request.ctx.session?.keyId ?? null;
      const key = { role: b.role, metric: b.metric, period: b.period, employee_id: b.employee_id };
      let saved: 'set' | 'cleared' | 'pending' = kind;
      if (kind === 'set') {
        if (b.value === undefined) throw new BadRequestError('value: required');
        const r = await targets.setOverride({ ...key, value: b.value, reason: b.reason }, actor);
        // beyond OVERRIDE_APPROVAL_THRESHOLD: filed for a second HR key, not in force yet
        if ('request' in r) saved = 'pending';
      } else await targets.clearOverride({ ...key, reason: b.reason }, actor);
      const fallback = `/targets${queryString({ role: b.role, metric: b.metric, period: b.period })}`;
      const back = localBack(b.back, fallback);
      return reply.redirect(`${back}${back.includes('?') ? '&' : '?'}saved=${saved}`, 303);
    };
  app.post('/targets/override', { config: { console: 'hr' } }, overridePost('set'));
  app.post('/targets/revert', { config: { console: 'hr' } }, overridePost('cleared'));

  const auditFilter = (q: z.infer<typeof auditQuery>) => ({
    action: q.action,
    actor: q.actor,
    role: q.role,
    metric: q.metric,
    period: q.period,
    employee_id: q.employee_id,
  });

  app.get('/targets/audit', { config: { console: 'hr' } }, async (request, reply) => {
    const { ctx } = request;
    const { t, f } = ctx;
    const q = parseQuery(auditQuery, request.query);
    const filter = auditFilter(q);
    const got = await audit.list({ ...filter, before_id: q.before, limit: PAGE_SIZE });
    const show = (x: unknown) =>
      x === null || x === undefined
        ? '—'
        : typeof x === 'object' && x !== null && 'value' in x
          ? num(Number((x as { value: unknown }).value))
          : JSON.stringify(x);
    const body = html`<form class="filters" method="get" action="/targets/audit" data-partial aria-label="${t('filters.title')}">
  <div class="field"><label for="a-action">${t('audit.action')}</label>
    <select id="a-action" name="action">${optionList(
      [
        ['', t('audit.action.any')],
        ['target_override.', t('audit.action.overrides')],
        ['api_key.', t('audit.action.keys')],
        ['model.', t('audit.action.models')],
        ['period.', t('audit.action.periods')],
        ['override_request.', t('audit.action.requests')],
      ],
      q.action ?? '',
    )}</select></div>
  <div class="field"><label for="a-actor">${t('audit.actor')}</label><input id="a-actor" type="text" name="actor" value="${q.actor ?? ''}" maxlength="128"></div>
  <div class="field"><label for="a-role">${t('filter.role')}</label><input id="a-role" type="text" name="role" value="${q.role ?? ''}" maxlength="128"></div>
  <div class="field"><label for="a-metric">${t('desk.metrics')}</label><input id="a-metric" type="text" name="metric" value="${q.metric ?? ''}" maxlength="128"></div>
  <div class="field"><label for="a-period">${t('filter.period')}</label><input id="a-period" type="text" name="period" value="${q.period ?? ''}" maxlength="16"></div>
  <div class="field"><label for="a-employee">${t('audit.employee')}</label><input id="a-employee" type="text" name="employee_id" value="${q.employee_id ?? ''}" maxlength="128"></div>
  <button type="submit">${t('filter.apply')}</button>
</form>
<div class="summary"><p role="status">${t('audit.shown', { n: f.count(got.entries.length) })}</p>
<p class="exports">${t('export.label')}:
  <a href="/targets/audit/export.csv${queryString(filter)}" download>${t('export.csv')}</a>
  <a href="/targets/audit/export.xlsx${queryString(filter)}" download>${t('export.xlsx')}</a></p></div>
${
  got.entries.length > 0
    ? html`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-audit"><table>
<caption id="h-audit">${t('audit.title')}</caption>
<thead><tr><th scope="col">${t('audit.col.at')}</th><th scope="col">${t('audit.col.actor')}</th><th scope="col">${t('audit.col.action')}</th>
<th scope="col">${t('audit.col.subject')}</th><th scope="col">${t('audit.col.before')}</th><th scope="col">${t('audit.col.after')}</th><th scope="col">${t('audit.col.reason')}</th></tr></thead>
<tbody>${got.entries.map(
        (
          e,
        ) => html`<tr data-audit="${e.id}"><td class="nowrap">${f.dateTime(new Date(e.at))}</td><td>${e.actor ?? t('audit.system')}</td><td data-action="${e.action}">${wordOf(t, 'audit.act', e.action)}</td>
<td class="code">${e.subject_id}</td><td class="code" data-field="before">${show(e.before)}</td><td class="code" data-field="after">${show(e.after)}</td><td data-field="reason">${auditReasonText(t, e.reason)}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p class="empty">${t('empty')}</p>`
}
<nav class="pager" aria-label="${t('page.nav')}">
${q.before ? html`<a data-partial href="/targets/audit${queryString(filter)}">${t('audit.newest')}</a>` : ''}
${got.next_before ? html`<a data-partial href="/targets/audit${queryString({ ...filter, before: got.next_before })}" rel="next">${t('audit.older')}</a>` : ''}
</nav>`;
    return sendPage(reply, page(ctx, { title: t('audit.title'), active: '/targets/audit', body }));
  });

  for (const format of ['csv', 'xlsx'] as const) {
    app.get(`/targets/audit/export.${format}`, { config: { console: 'hr' } }, async (request, reply) => {
      const q = parseQuery(auditQuery, request.query);
      const file = await audit.export({ ...auditFilter(q), limit: 100_000 }, format);
      reply.header('content-disposition', `attachment; filename="${file.filename}"`);
      return reply.type(file.contentType).send(file.body);
    });
  }
}

/** Whether a calendar event overlaps a period given by its id. */
function overlaps(e: { starts_on: string; ends_on: string }, periodId: string): boolean {
  const p = parsePeriod(periodId);
  return p !== null && e.starts_on <= p.end && e.ends_on >= p.start;
}
