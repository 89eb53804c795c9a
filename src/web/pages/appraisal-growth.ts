/** /appraisal/growth — the growth-points leaderboard (运营成长树), of everyone or one team. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { html } from '../html.js';
import { page, sendPage } from '../layout.js';
import { APPRAISAL_NAV, appraisalTabs } from './appraisal-common.js';
import { parseQuery } from './common.js';

const query = z.object({ team: z.string().max(128).optional() });

export default async function appraisalGrowthPage(app: FastifyInstance): Promise<void> {
  const { appraisal } = app.services;

  app.get('/appraisal/growth', { config: { console: 'hr' } }, async (request, reply) => {
    const { ctx } = request;
    const { t, f } = ctx;
    const q = parseQuery(query, request.query);
    const board = await appraisal.leaderboard(q.team);
    const body = html`${appraisalTabs(ctx, '/appraisal/growth')}
<form class="filters" method="get" action="/appraisal/growth" aria-label="${t('filters.title')}">
  <div class="field"><label for="f-team">${t('filter.team')}</label><input id="f-team" name="team" value="${q.team ?? ''}"></div>
  <button type="submit">${t('filter.apply')}</button>
</form>
<section aria-labelledby="h-board"><h2 id="h-board">${t('appr.growth.board', { team: q.team ?? t('filter.all') })}</h2>
<p>${board.catalogue_version === null ? t('appr.growth.noCatalogue') : t('appr.growth.catalogue', { v: board.catalogue_version })}</p>
${
  board.rows.length > 0
    ? html`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-board"><table>
<thead><tr><th scope="col">${t('appr.growth.rank')}</th><th scope="col">${t('appr.person')}</th><th scope="col">${t('col.team')}</th>
<th scope="col">XP</th><th scope="col">${t('appr.growth.level')}</th><th scope="col">${t('appr.growth.points')}</th></tr></thead>
<tbody>${board.rows.map(
        (
          r,
        ) => html`<tr data-person="${r.employee_id}"><td class="num">${r.rank}</td><th scope="row">${r.employee_id}</th>
<td>${r.team ?? t('noTeam')}</td><td class="num" data-field="xp">${f.count(r.xp)}</td><td class="num">${r.level}</td><td class="num">${f.count(r.balance)}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p class="empty">${t('appr.growth.none')}</p>`
}</section>`;
    return sendPage(reply, page(ctx, { title: t('appr.growth.title'), active: APPRAISAL_NAV, body }));
  });
}
