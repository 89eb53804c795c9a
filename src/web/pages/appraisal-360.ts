/**
 * /appraisal/360 — a period's calibrated 360° scores with their intervals and n, and the raters the
 * calibration flags (leniency far from the rest).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DomainError } from '../../lib/errors.js';
import { type Html, html } from '../html.js';
import { page, sendPage } from '../layout.js';
import { APPRAISAL_NAV, appraisalTabs } from './appraisal-common.js';
import { optionList, parseQuery } from './common.js';

const query = z.object({ period: z.string().max(16).optional(), team: z.string().max(128).optional() });

export default async function appraisal360Page(app: FastifyInstance): Promise<void> {
  const { appraisal } = app.services;

  app.get('/appraisal/360', { config: { console: 'hr' } }, async (request, reply) => {
    const { ctx } = request;
    const { t, f } = ctx;
    const q = parseQuery(query, request.query);
    const periods = (await appraisal.periods()).map((p) => p.period).sort((a, b) => (a < b ? 1 : -1));
    const period = q.period && periods.includes(q.period) ? q.period : (periods[0] ?? null);
    let content: Html;
    if (period === null) content = html`<p class="empty">${t('appr.360.none')}</p>`;
    else {
      try {
        const [scores, raters] = await Promise.all([
          appraisal.scores(period, { team: q.team }),
          appraisal.raters(period, { flagged: true }),
        ]);
        const people = [...scores.people].sort((a, b) => (b.score ?? -1) - (a.score ?? -1));
        content = html`<p>${t('appr.360.method', { n: f.count(scores.ratings) })}</p>
<section aria-labelledby="h-scores"><h2 id="h-scores">${t('appr.360.scores', { period })}</h2>
<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-scores"><table>
<thead><tr><th scope="col">${t('appr.person')}</th><th scope="col">${t('col.team')}</th><th scope="col">${t('appr.360.score')}</th>
<th scope="col">${t('appr.360.interval')}</th><th scope="col">${t('appr.360.raw')}</th><th scope="col">n</th><th scope="col">${t('appr.360.raters')}</th></tr></thead>
<tbody>${people.map(
          (p) => html`<tr data-person="${p.ratee}"><th scope="row">${p.ratee}</th><td>${p.team ?? t('noTeam')}</td>
<td class="num" data-field="score">${f.fixed(p.score)}</td><td class="num">${p.interval ? `${f.fixed(p.interval.low)}–${f.fixed(p.interval.high)}` : '—'}</td>
<td class="num">${f.fixed(p.raw_mean)}</td><td class="num">${f.count(p.n)}</td><td class="num">${f.count(p.n_raters)}</td></tr>`,
        )}</tbody></table></div></section>
<section aria-labelledby="h-flagged"><h2 id="h-flagged">${t('appr.360.flagged')}</h2>
<p>${t('appr.360.rule')}</p>
${
  raters.raters.length > 0
    ? html`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-flagged"><table>
<thead><tr><th scope="col">${t('appr.360.rater')}</th><th scope="col">${t('appr.360.relation')}</th><th scope="col">${t('appr.360.leniency')}</th><th scope="col">z</th><th scope="col">n</th><th scope="col">${t('appr.360.flag')}</th></tr></thead>
<tbody>${raters.raters.map(
        (
          r,
        ) => html`<tr data-rater="${r.rater}"><th scope="row">${r.rater}</th><td>${r.relations.join(', ')}</td><td class="num">${f.signed(r.leniency)}</td>
<td class="num">${f.fixed(r.z, 2)}</td><td class="num">${f.count(r.n)}</td><td>${r.flag === 'lenient' ? t('appr.360.lenient') : t('appr.360.severe')}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p class="empty">${t('appr.360.noFlags')}</p>`
}</section>`;
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        content = html`<p class="empty">${e.message}</p>`;
      }
    }
    const body = html`${appraisalTabs(ctx, '/appraisal/360')}
<form class="filters" method="get" action="/appraisal/360" aria-label="${t('filters.title')}">
  <div class="field"><label for="f-period">${t('appr.period')}</label>
    <select id="f-period" name="period">${optionList(
      periods.map((p) => [p, p] as [string, string]),
      period ?? '',
    )}</select></div>
  <div class="field"><label for="f-team">${t('filter.team')}</label><input id="f-team" name="team" value="${q.team ?? ''}"></div>
  <button type="submit">${t('filter.apply')}</button>
</form>
${content}`;
    return sendPage(reply, page(ctx, { title: t('appr.360.title'), active: APPRAISAL_NAV, body }));
  });
}
