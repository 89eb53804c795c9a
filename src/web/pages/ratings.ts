/**
 * /ratings — the leaderboard of a period: period picker (week, month, quarter, year), role and team
 * filters; agent, team, score with its 90 % interval drawn as a bar, stars, n and effective n, the
 * insufficient-evidence state, the three agent-controllable aspect shares, the 24 h negative-review
 * response rate, the 48 h returns rate and the change against the previous period; sorted by score, by
 * the interval's low end or by the biggest decline; paginated; the view exported as CSV or XLSX.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { toCsv, toXlsx } from '../../lib/spreadsheet.js';
import { AGENT_ASPECTS } from '../../ratings/attribution.js';
import type { LeaderRow, LeaderSort } from '../../services/console.js';
import type { Ctx } from '../context.js';
import { type Html, html, queryString } from '../html.js';
import { page, pager, sendPage } from '../layout.js';
import { type MessageKey, roleName } from '../messages.js';
import { kindSelect, optionList, parseQuery, type RatingPeriodKind, resolvePeriod } from './common.js';

export const PAGE_SIZE = 25;
const SORTS: LeaderSort[] = ['score', 'ci_low', 'decline'];

const query = z.object({
  kind: z.enum(['week', 'month', 'quarter', 'year']).default('quarter'),
  period: z.string().max(10).optional(),
  role: z.string().max(64).optional(),
  team: z.string().max(128).optional(),
  sort: z.enum(['score', 'ci_low', 'decline']).default('score'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});
type Query = z.infer<typeof query>;

const ASPECT_KEY = (a: string) => `aspect.${a}` as MessageKey;

/** The 90 % interval as a bar on 0–100 with the score marked. */
export function intervalBar(
  ctx: Ctx,
  r: LeaderRow | { score: number | null; interval: { low: number | null; high: number | null } },
): Html {
  const { low, high } = r.interval;
  if (low === null || high === null || r.score === null) return html``;
  const [lo, hi] = [low * 100, high * 100];
  const label = ctx.t('bar.interval', { low: ctx.f.fixed(lo), high: ctx.f.fixed(hi) });
  return html`<svg class="ci" viewBox="0 0 100 12" preserveAspectRatio="none" role="img" aria-label="${label}"><title>${label}</title>
<rect x="0" y="5" width="100" height="2" class="ci-track"></rect>
<rect x="${lo.toFixed(2)}" y="2" width="${Math.max(0.5, hi - lo).toFixed(2)}" height="8" rx="1" class="ci-range"></rect>
<rect x="${(r.score - 0.6).toFixed(2)}" y="0" width="1.2" height="12" class="ci-mark"></rect></svg>`;
}

/** The view's rows as export cells (header in the page's language). */
function exportTable(ctx: Ctx, rows: LeaderRow[]): { header: string[]; rows: (string | number | null)[][] } {
  const { t } = ctx;
  const header = [
    t('col.agent'),
    t('col.team'),
    t('filter.period'),
    t('col.score'),
    `${t('col.interval')} low`,
    `${t('col.interval')} high`,
    t('col.stars'),
    t('col.n'),
    t('col.effn'),
    t('col.evidence'),
    ...AGENT_ASPECTS.map((a) => t(ASPECT_KEY(a))),
    t('col.resp24'),
    t('col.ret48'),
    t('col.change'),
  ];
  const pct = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 10);
  return {
    header,
    rows: rows.map((r) => [
      r.agent_id,
      r.team,
      r.period,
      r.score,
      pct(r.interval.low),
      pct(r.interval.high),
      r.stars,
      r.n,
      r.effective_n === null ? null : Math.round(r.effective_n * 10) / 10,
      r.insufficient_evidence ? t('evidence.insufficient') : t('evidence.sufficient'),
      ...AGENT_ASPECTS.map((a) => pct(r.aspects[a]?.share ?? null)),
      pct(r.sla.negative_response_24h.rate),
      pct(r.sla.returns_48h.rate),
      r.change,
    ]),
  };
}

function table(ctx: Ctx, q: Query, period: string, rows: LeaderRow[]): Html {
  const { t, f } = ctx;
  if (rows.length === 0) return html`<p class="empty">${t('empty')}</p>`;
  return html`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="results-caption">
<table class="board">
<caption id="results-caption" class="sr-only">${t('ratings.title')} ${period} · ${t('sort.current', { sort: t(`sort.${q.sort}` as MessageKey) })}</caption>
<thead><tr>
<th scope="col">${t('col.agent')}</th><th scope="col">${t('col.team')}</th>
<th scope="col" class="num"${q.sort === 'score' ? html` aria-sort="descending"` : ''}>${t('col.score')}</th>
<th scope="col"${q.sort === 'ci_low' ? html` aria-sort="descending"` : ''}>${t('col.interval')}</th>
<th scope="col" class="num">${t('col.stars')}</th><th scope="col" class="num">${t('col.n')}</th><th scope="col" class="num" aria-describedby="effn-note">${t('col.effn')}</th>
<th scope="col">${t('col.evidence')}</th>
${AGENT_ASPECTS.map((a) => html`<th scope="col" class="num">${t(ASPECT_KEY(a))}</th>`)}
<th scope="col" class="num">${t('col.resp24')}</th><th scope="col" class="num">${t('col.ret48')}</th>
<th scope="col" class="num"${q.sort === 'decline' ? html` aria-sort="ascending"` : ''}>${t('col.change')}</th>
</tr></thead>
<tbody>
${rows.map((r) => {
  const href = `/ratings/agents/${encodeURIComponent(r.agent_id)}${queryString({ kind: q.kind === 'year' ? 'quarter' : q.kind, period: q.kind === 'year' ? undefined : r.period })}`;
  return html`<tr data-agent="${r.agent_id}"${r.insufficient_evidence ? html` class="weak"` : ''}>
<th scope="row"><a href="${href}">${r.agent_id}</a></th>
<td>${r.team ?? t('noTeam')}</td>
<td class="num score" data-field="score">${f.fixed(r.score)}</td>
<td class="ci-cell" data-field="interval">${intervalBar(ctx, r)}<span class="ci-text">${f.fixed(r.interval.low === null ? null : r.interval.low * 100)}–${f.fixed(r.interval.high === null ? null : r.interval.high * 100)}</span></td>
<td class="num" data-field="stars">${f.fixed(r.stars)}</td>
<td class="num" data-field="n">${f.count(r.n)}</td>
<td class="num" data-field="effective_n">${f.fixed(r.effective_n)}</td>
<td data-field="evidence">${
    r.insufficient_evidence
      ? html`<span class="badge warn">${t('evidence.insufficient')}</span> <span class="hint">${t('evidence.needs', { n: r.min_reviews })}</span>`
      : html`<span class="badge ok">${t('evidence.sufficient')}</span>`
  }</td>
${AGENT_ASPECTS.map((a) => html`<td class="num" data-field="${a}">${f.pct(r.aspects[a]?.share ?? null)}</td>`)}
<td class="num" data-field="resp24">${f.pct(r.sla.negative_response_24h.rate)}</td>
<td class="num" data-field="ret48">${f.pct(r.sla.returns_48h.rate)}</td>
<td class="num change ${r.change !== null && r.change < 0 ? 'down' : r.change !== null && r.change > 0 ? 'up' : ''}" data-field="change">${f.signed(r.change)}</td>
</tr>`;
})}
</tbody></table></div>
<p class="hint" id="effn-note">${t('col.effn.note')}</p>`;
}

export default async function ratingsPages(app: FastifyInstance): Promise<void> {
  const { console: svc } = app.services;

  async function load(ctx: Ctx, raw: unknown, all: boolean) {
    const q = parseQuery(query, raw);
    const periods = await svc.periods();
    const period = resolvePeriod(periods, q.kind as RatingPeriodKind, q.period);
    const [roles, teams] = await Promise.all([svc.roles(), svc.teams(q.role)]);
    const board = period
      ? await svc.leaderboard({
          period,
          role: q.role || undefined,
          team: q.team || undefined,
          sort: q.sort,
          limit: all ? 100_000 : PAGE_SIZE,
          offset: all ? 0 : (q.page - 1) * PAGE_SIZE,
        })
      : { period: '', previous: null, total: 0, items: [] };
    return { q, periods, period, roles, teams, board, ctx };
  }

  app.get('/ratings', { config: { console: 'quality' } }, async (request, reply) => {
    const { ctx } = request;
    const { t } = ctx;
    const { q, periods, period, roles, teams, board } = await load(ctx, request.query, false);
    const base = { kind: q.kind, period: period ?? undefined, role: q.role, team: q.team, sort: q.sort };
    const body = html`<form class="filters" method="get" action="/ratings" data-partial aria-label="${t('filters.title')}">
  ${kindSelect(ctx, q.kind)}
  <div class="field"><label for="f-period">${t('filter.period')}</label>
    <select id="f-period" name="period">${optionList(
      (periods[q.kind] ?? []).map((p) => [p, p]),
      period ?? '',
    )}</select></div>
  <div class="field"><label for="f-role">${t('filter.role')}</label>
    <select id="f-role" name="role">${optionList([['', t('filter.all')], ...roles.map((r) => [r.id, roleName(t, r.id, r.name)] as [string, string])], q.role ?? '')}</select></div>
  <div class="field"><label for="f-team">${t('filter.team')}</label>
    <select id="f-team" name="team">${optionList([['', t('filter.all')], ...teams.map((x) => [x, x] as [string, string])], q.team ?? '')}</select></div>
  <div class="field"><label for="f-sort">${t('sort.label')}</label>
    <select id="f-sort" name="sort">${optionList(
      SORTS.map((s) => [s, t(`sort.${s}` as MessageKey)]),
      q.sort,
    )}</select></div>
  <button type="submit">${t('filter.apply')}</button>
</form>
<div class="summary">
  <p role="status">${t('results.agents', { n: ctx.f.count(board.total) })}${board.previous ? html` · ${t('change.vs', { period: board.previous })}` : ''}</p>
  <p class="exports">${t('export.label')}:
    <a href="/ratings/export.csv${queryString(base)}" download>${t('export.csv')}</a>
    <a href="/ratings/export.xlsx${queryString(base)}" download>${t('export.xlsx')}</a></p>
</div>
${table(ctx, q, period ?? '', board.items)}
${pager(ctx, { total: board.total, limit: PAGE_SIZE, offset: (q.page - 1) * PAGE_SIZE, link: (o) => `/ratings${queryString({ ...base, page: o / PAGE_SIZE + 1 })}` })}`;
    return sendPage(reply, page(ctx, { title: `${t('ratings.title')} · ${period ?? ''}`, active: '/ratings', body }));
  });

  for (const format of ['csv', 'xlsx'] as const) {
    app.get(`/ratings/export.${format}`, { config: { console: 'quality' } }, async (request, reply) => {
      const { ctx } = request;
      const { period, board } = await load(ctx, request.query, true);
      const { header, rows } = exportTable(ctx, board.items);
      const name = `ratings-${period ?? 'none'}.${format}`;
      reply.header('content-disposition', `attachment; filename="${name}"`);
      if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(toCsv(header, rows));
      return reply
        .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .send(await toXlsx(header, rows, { sheetName: period ?? 'ratings' }));
    });
  }
}
