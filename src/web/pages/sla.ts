/**
 * /sla — the SLA board: negative reviews still unanswered 24 h after they arrived (those of the last 30
 * days unless the filter says 7, 90 or all), oldest first, each linking to its agent; and per team, the overdue count and the 24 h response and 48 h returns rates
 * of the latest month, each team linking to its agents on the leaderboard.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type Html, html, queryString } from '../html.js';
import { page, pager, sendPage } from '../layout.js';
import { optionList, parseQuery } from './common.js';
import { sentimentBadge, shownText } from './review-view.js';

const PAGE_SIZE = 25;

/** How far back the overdue list reaches (days), as the board's filter offers it. */
const WINDOWS = ['7', '30', '90', 'all'] as const;

const query = z.object({
  team: z.string().max(128).optional(),
  // a review left unanswered for years is history, not work: the board shows the last 30 days unless asked
  within: z.enum(WINDOWS).default('30'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});

export default async function slaPage(app: FastifyInstance): Promise<void> {
  const { console: svc } = app.services;

  app.get('/sla', { config: { console: 'quality' } }, async (request, reply) => {
    const { ctx } = request;
    const { t, f } = ctx;
    const q = parseQuery(query, request.query);
    const periods = await svc.periods();
    const month = periods.month[0] ?? null;
    const role = 'cs_agent';
    const since = q.within === 'all' ? undefined : new Date(Date.now() - Number(q.within) * 86_400_000).toISOString();
    const [board, teams] = await Promise.all([
      svc.slaBoard({
        role,
        team: q.team,
        since,
        period: month,
        limit: PAGE_SIZE,
        offset: (q.page - 1) * PAGE_SIZE,
      }),
      svc.teams(role),
    ]);
    const cards = (c: (typeof board.teams)[number]): Html => html`<li>
  <h3>${t('sla.team', { team: c.team ?? t('noTeam') })}</h3>
  <div class="big" data-field="overdue">${f.count(c.overdue)}</div><div>${t('sla.overdueCount')}</div>
  <dl>
    <dt>${t('sla.oldest')}</dt><dd>${c.oldest_hours === null ? '—' : f.waited(c.oldest_hours)}</dd>
    <dt>${t('sla.resp', { period: month ?? '—' })}</dt><dd>${f.pct(c.response_rate)}</dd>
    <dt>${t('sla.ret', { period: month ?? '—' })}</dt><dd>${f.pct(c.returns_rate)}</dd>
  </dl>
  ${c.team ? html`<a href="/ratings${queryString({ kind: 'month', period: month, team: c.team })}">${t('sla.agents')}</a>` : ''}
</li>`;
    const body = html`<p>${t('sla.rule')}</p>
<form class="filters" method="get" action="/sla" data-partial aria-label="${t('filters.title')}">
  <div class="field"><label for="f-team">${t('filter.team')}</label>
    <select id="f-team" name="team">${optionList([['', t('filter.all')], ...teams.map((x) => [x, x] as [string, string])], q.team ?? '')}</select></div>
  <div class="field"><label for="f-within">${t('sla.within')}</label>
    <select id="f-within" name="within">${optionList(
      WINDOWS.map((w) => [w, w === 'all' ? t('sla.within.all') : t('sla.within.days', { n: w })] as [string, string]),
      q.within,
    )}</select></div>
  <button type="submit">${t('filter.apply')}</button>
</form>
<section aria-labelledby="h-cards"><h2 id="h-cards">${t('sla.cards')}</h2>
${board.teams.length > 0 ? html`<ul class="cards">${board.teams.map(cards)}</ul>` : html`<p class="empty">${t('empty')}</p>`}
</section>
<section aria-labelledby="h-overdue"><h2 id="h-overdue">${t('sla.overdue')}</h2>
<p role="status">${t('results.reviews', { n: f.count(board.overdue.total) })}</p>
${
  board.overdue.items.length > 0
    ? html`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-overdue"><table>
<thead><tr><th scope="col">${t('col.waiting')}</th><th scope="col">${t('col.agent')}</th><th scope="col">${t('col.team')}</th>
<th scope="col">${t('col.created')}</th><th scope="col">${t('col.rating')}</th><th scope="col">${t('col.sentiment')}</th><th scope="col">${t('col.text')}</th></tr></thead>
<tbody>${board.overdue.items.map(
        (r) => html`<tr data-review="${r.id}"><td class="num">${f.waited(r.hours_waiting)}</td>
<th scope="row">${r.agent_id ? html`<a href="/ratings/agents/${encodeURIComponent(r.agent_id)}">${r.agent_id}</a>` : '—'}</th>
<td>${r.team ?? t('noTeam')}</td><td>${f.dateTime(r.created_at)}</td><td class="num">${r.rating ?? '—'}</td><td>${sentimentBadge(ctx, r.sentiment_label, r.sentiment_probability)}</td><td>${shownText(ctx, r.text)}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p class="empty">${t('empty')}</p>`
}
${pager(ctx, { total: board.overdue.total, limit: PAGE_SIZE, offset: (q.page - 1) * PAGE_SIZE, link: (o) => `/sla${queryString({ team: q.team, within: q.within, page: o / PAGE_SIZE + 1 })}` })}
</section>`;
    return sendPage(reply, page(ctx, { title: t('sla.title'), active: '/sla', body }));
  });
}
