/**
 * /appraisal/payouts — evaluate a period's payout preview from the commission plans (a form, POST),
 * then read it: per person base pay, commission, star allowance, project bonus and total, with the
 * payroll export (CSV with BOM, XLSX) of the stored preview.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DomainError } from '../../lib/errors.js';
import { type Html, html, queryString } from '../html.js';
import { hidden, page, sendPage } from '../layout.js';
import { fieldErrors, notFoundText, refusalText } from '../messages.js';
import { APPRAISAL_NAV, appraisalTabs } from './appraisal-common.js';
import { parseQuery } from './common.js';

const query = z.object({ id: z.string().max(64).optional() });
const form = z.object({
  _csrf: z.string(),
  period: z.string().trim().max(16),
  role: z.string().trim().max(128).optional(),
});
const exportQuery = z.object({ format: z.enum(['csv', 'xlsx']).default('csv') });

export default async function appraisalPayoutsPage(app: FastifyInstance): Promise<void> {
  const { appraisal } = app.services;

  app.get('/appraisal/payouts', { config: { console: 'hr' } }, async (request, reply) => {
    const { ctx } = request;
    const { t, f } = ctx;
    const q = parseQuery(query, request.query);
    const yuan = (cents: number) => f.fixed(cents / 100, 2);
    let content: Html = html`<p class="empty">${t('appr.pay.none')}</p>`;
    if (q.id) {
      try {
        const p = await appraisal.preview(q.id);
        content = html`<section aria-labelledby="h-preview"><h2 id="h-preview">${t('appr.pay.preview', { period: p.period })}</h2>
<p role="status">${t('appr.pay.totals', { n: f.count(p.totals.people), total: yuan(p.totals.total_cents), incomplete: f.count(p.totals.incomplete) })}</p>
${
  p.payouts.length === 0
    ? html`<p class="empty" data-field="nobody">${t('appr.pay.nobody')}</p>`
    : p.payouts.every((x) => !x.plan)
      ? html`<p class="notice info" data-field="no-plan">${t('appr.pay.noPlan')}</p>`
      : ''
}
<p><a href="/appraisal/payouts/${encodeURIComponent(p.id)}/export?format=csv" download>${t('export.csv')}</a> ·
<a href="/appraisal/payouts/${encodeURIComponent(p.id)}/export?format=xlsx" download>${t('export.xlsx')}</a></p>
${
  p.payouts.length === 0
    ? ''
    : html`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-preview"><table>
<thead><tr><th scope="col">${t('appr.person')}</th><th scope="col">${t('appr.pay.plan')}</th><th scope="col">${t('appr.pay.base')}</th>
<th scope="col">${t('appr.pay.commission')}</th><th scope="col">${t('appr.pay.star')}</th><th scope="col">${t('appr.pay.bonus')}</th>
<th scope="col">${t('appr.pay.total')}</th><th scope="col">${t('appr.pay.steps')}</th></tr></thead>
<tbody>${p.payouts.map(
        (x) => html`<tr data-person="${x.employee_id}"><th scope="row">${x.employee_id}</th>
<td>${x.plan ? `${x.plan.id} v${x.plan.version}` : '—'}</td><td class="num">${yuan(x.base_pay_cents)}</td>
<td class="num">${yuan(x.components.reduce((s, c) => s + (c.amount_cents ?? 0), 0))}</td>
<td class="num">${yuan(x.star_allowance?.amount_cents ?? 0)}</td>
<td class="num">${yuan(x.project_bonus.reduce((s, l) => s + l.amount_cents, 0))}</td>
<td class="num" data-field="total">${yuan(x.total_cents)}</td>
<td>${x.components.map(
          (c) =>
            html`<div>${c.label ?? c.id}${t('colon')}${c.status === 'ok' ? `${f.fixed(c.attainment_percent, 1)}% → ${c.lines.map((l) => `${l.rate_percent}%`).join(' + ')}` : t('appr.pay.missing')}</div>`,
        )}${x.warnings.map((w) => html`<div class="warn">${refusalText(t, w)}</div>`)}</td></tr>`,
      )}</tbody></table></div>`
}</section>`;
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        content = html`<p class="empty">${e.code === 'not_found' ? notFoundText(t, e.message) : fieldErrors(t, e.message)}</p>`;
      }
    }
    const body = html`${appraisalTabs(ctx, '/appraisal/payouts')}
<form class="filters" method="post" action="/appraisal/payouts" aria-label="${t('appr.pay.form')}">
  ${hidden('_csrf', ctx.csrf)}
  <div class="field"><label for="f-period">${t('appr.period')}</label><input id="f-period" name="period" required placeholder="2026-10"></div>
  <div class="field"><label for="f-role">${t('appr.role')}</label><input id="f-role" name="role" placeholder="cs_agent"></div>
  <button type="submit">${t('appr.pay.evaluate')}</button>
</form>
${content}`;
    return sendPage(reply, page(ctx, { title: t('appr.pay.title'), active: APPRAISAL_NAV, body }));
  });

  app.post('/appraisal/payouts', { config: { console: 'hr' } }, async (request, reply) => {
    const body = parseQuery(form, request.body);
    const p = await appraisal.previewPayouts(
      { period: body.period, ...(body.role ? { role: body.role } : {}) },
      request.ctx.session?.keyId ?? null,
    );
    return reply.redirect(`/appraisal/payouts${queryString({ id: p.id })}`, 303);
  });

  app.get('/appraisal/payouts/:id/export', { config: { console: 'hr' } }, async (request, reply) => {
    const { id } = parseQuery(z.object({ id: z.string().max(64) }), request.params);
    const { format } = parseQuery(exportQuery, request.query);
    const file = await appraisal.exportPreview(id, format);
    return reply
      .type(file.contentType)
      .header('content-disposition', `attachment; filename="${file.filename}"`)
      .send(file.body as string);
  });
}
