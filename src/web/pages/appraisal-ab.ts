/**
 * /appraisal/ab — the A/B comparisons (submitted through POST /v1/ab-comparisons) and one report:
 * attainment and warning rates per policy, per role and team, fairness gaps, stability, the paired
 * difference and, where declared, the split test.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AbReport } from '../../appraisal/ab-run.js';
import type { Ctx } from '../context.js';
import { type Html, html, queryString } from '../html.js';
import { page, sendPage } from '../layout.js';
import { refusalText } from '../messages.js';
import { APPRAISAL_NAV, appraisalTabs } from './appraisal-common.js';
import { parseQuery } from './common.js';

const query = z.object({ id: z.string().max(128).optional() });

function reportView(ctx: Ctx, r: AbReport): Html {
  const { t, f } = ctx;
  const policies = [r.a, r.b];
  const rate = (x: { rate: number; interval: { low: number; high: number }; n: number } | null) =>
    x ? `${f.pct(x.rate, 1)} (${f.pct(x.interval.low, 1)}–${f.pct(x.interval.high, 1)}, n ${f.count(x.n)})` : '—';
  const teams = [...new Set(policies.flatMap((p) => p.attainment.by_team.map((g) => g.group)))];
  return html`<section aria-labelledby="h-report"><h2 id="h-report">${t('appr.ab.report', { from: r.periods[0] ?? '', to: r.periods.at(-1) ?? '' })}</h2>
<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-report"><table>
<thead><tr><th scope="col">${t('appr.ab.measure')}</th>${policies.map((p) => html`<th scope="col">${p.name}</th>`)}</tr></thead>
<tbody>
<tr><th scope="row">${t('appr.ab.attained')}</th>${policies.map((p) => html`<td class="num" data-field="attained">${rate(p.attainment.all)}</td>`)}</tr>
<tr><th scope="row">${t('appr.ab.warning')}</th>${policies.map((p) => html`<td class="num">${rate(p.warning)}</td>`)}</tr>
${teams.map(
  (team) =>
    html`<tr><th scope="row">${t('appr.ab.team', { team })}</th>${policies.map(
      (p) => html`<td class="num">${rate(p.attainment.by_team.find((g) => g.group === team) ?? null)}</td>`,
    )}</tr>`,
)}
<tr><th scope="row">${t('appr.ab.gapTeam')}</th>${policies.map((p) => html`<td class="num">${p.fairness.team.gap ? `${f.pct(p.fairness.team.gap.value, 1)} (p ${f.fixed(p.fairness.team.permutation?.p ?? null, 3)})` : '—'}</td>`)}</tr>
<tr><th scope="row">${t('appr.ab.gapTenure')}</th>${policies.map((p) => html`<td class="num">${p.fairness.tenure.gap ? `${f.pct(p.fairness.tenure.gap.value, 1)} (p ${f.fixed(p.fairness.tenure.permutation?.p ?? null, 3)})` : '—'}</td>`)}</tr>
<tr><th scope="row">${t('appr.ab.stability')}</th>${policies.map((p) => html`<td class="num">ρ ${f.fixed(p.stability.spearman, 2)}</td>`)}</tr>
</tbody></table></div>
${r.paired ? html`<p>${t('appr.ab.paired', { n: f.count(r.paired.rows), d: f.pct(r.paired.attainment_rate.difference, 1), p: f.fixed(r.paired.attainment_rate.mcnemar.p, 4) })}</p>` : ''}
${r.split ? html`<p>${t('appr.ab.split', { a: r.split.people[0], b: r.split.people[1], p: f.fixed(r.split.permutation.p, 4), g: f.fixed(r.split.effect?.g ?? null, 2) })}</p>` : ''}
<ul>${r.notes.map((n) => html`<li>${n}</li>`)}</ul></section>`;
}

export default async function appraisalAbPage(app: FastifyInstance): Promise<void> {
  const { appraisal } = app.services;

  app.get('/appraisal/ab', { config: { console: 'hr' } }, async (request, reply) => {
    const { ctx } = request;
    const { t, f } = ctx;
    const q = parseQuery(query, request.query);
    const list = await appraisal.comparisons({ limit: 50, offset: 0 });
    const chosen = q.id ?? list[0]?.id;
    const one = chosen ? await appraisal.comparison(chosen) : null;
    const body = html`${appraisalTabs(ctx, '/appraisal/ab')}
<p>${t('appr.ab.how')}</p>
<section aria-labelledby="h-list"><h2 id="h-list">${t('appr.ab.list')}</h2>
${
  list.length > 0
    ? html`<ul>${list.map(
        (c) =>
          html`<li><a href="/appraisal/ab${queryString({ id: c.id })}"${c.id === chosen ? html` aria-current="true"` : ''}>${c.id}</a> — ${String(c.request.kind)} · ${String(c.request.role)} · ${t(`appr.ab.state.${c.state}`)} · ${f.dateTime(c.created_at)}</li>`,
      )}</ul>`
    : html`<p class="empty">${t('appr.ab.none')}</p>`
}</section>
${one?.report ? reportView(ctx, one.report) : one ? html`<p role="status">${t(`appr.ab.state.${one.state}`)}${one.error ? ` — ${refusalText(t, one.error)}` : ''}</p>` : ''}`;
    return sendPage(reply, page(ctx, { title: t('appr.ab.title'), active: APPRAISAL_NAV, body }));
  });
}
