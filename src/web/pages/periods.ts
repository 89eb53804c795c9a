/**
 * The HR pages of closed periods (issue 25): /hr/periods closes a role's period (its months with a
 * quarter), lists the closed ones with their payroll files (CSV with BOM, XLSX) and the differences
 * since close, and reopens one with a required reason; /hr/approvals lists the override requests
 * waiting for a second HR key, approved or rejected here — never by the key that filed them (refused
 * by the service, 403). Every change goes through app.services.periods (audited there).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Ctx } from '../context.js';
import { type Html, html, queryString } from '../html.js';
import { hidden, page, sendPage } from '../layout.js';
import { approvalWhyText, type MessageKey, metricName, roleName } from '../messages.js';
import { optionList, parseQuery, tabLinks } from './common.js';

const id = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/);
const period = z.string().trim().max(16);
const reason = z.string().trim().min(3).max(500);
const listQuery = z.object({ done: z.enum(['closed', 'reopened', 'approved', 'rejected']).optional() });
const closeForm = z.object({ _csrf: z.string(), role: id, period, reason: reason.optional() });
const reopenForm = z.object({ _csrf: z.string(), role: id, period, reason });
const approveForm = z.object({ _csrf: z.string(), reason: reason.optional() });
const rejectForm = z.object({ _csrf: z.string(), reason });
const payrollQuery = z.object({
  role: id,
  period,
  format: z.enum(['csv', 'xlsx']).default('csv'),
  version: z.coerce.number().int().min(1).optional(),
});

const TABS: [string, MessageKey][] = [
  ['/hr/periods', 'per.tab.periods'],
  ['/hr/approvals', 'per.tab.approvals'],
];
const tabs = (ctx: Ctx, current: string): Html => tabLinks(ctx, 'per.tabs', TABS, current);

const done = (ctx: Ctx, d: string | undefined) =>
  d ? html`<p class="notice info" role="status">${ctx.t(`per.done.${d}` as 'per.done.closed')}</p>` : '';

export default async function periodPages(app: FastifyInstance): Promise<void> {
  const { periods, catalogue } = app.services;
  const actor = (ctx: Ctx) => ctx.session?.keyId ?? null;

  app.get('/hr/periods', { config: { console: 'hr' } }, async (request, reply) => {
    const { ctx } = request;
    const { t, f } = ctx;
    const q = parseQuery(listQuery, request.query);
    const [closed, roles] = await Promise.all([periods.closed(), catalogue.roles()]);
    const roleNames = new Map(roles.map((r) => [r.id, r.name]));
    const rows = closed.map((s) => {
      const base = { role: s.role_id, period: s.period };
      return html`<tr data-period="${s.role_id}/${s.period}"><th scope="row">${s.period}</th><td>${roleName(t, s.role_id, roleNames.get(s.role_id) ?? s.role_id)}</td>
<td class="num">v${s.version}</td><td>${s.closed_by ?? '—'}</td><td>${f.dateTime(new Date(s.closed_at))}</td>
<td>${s.within ? t('per.within', { quarter: s.within }) : (s.reason ?? '')}</td>
<td><a href="/hr/periods/payroll${queryString({ ...base, format: 'csv' })}" download>${t('export.csv')}</a> ·
<a href="/hr/periods/payroll${queryString({ ...base, format: 'xlsx' })}" download>${t('export.xlsx')}</a></td>
<td>${
        s.within
          ? t('per.reopenWith', { quarter: s.within })
          : html`<form method="post" action="/hr/periods/reopen" class="inline">
${hidden('_csrf', ctx.csrf)}${hidden('role', s.role_id)}${hidden('period', s.period)}
<label for="r-${s.role_id}-${s.period}" class="sr-only">${t('per.reopenReason', { period: s.period, role: s.role_id })}</label>
<input id="r-${s.role_id}-${s.period}" name="reason" required minlength="3" placeholder="${t('per.reason')}">
<button type="submit">${t('per.reopen')}</button></form>`
      }</td></tr>`;
    });
    const body = html`${tabs(ctx, '/hr/periods')}${done(ctx, q.done)}
<p>${t('per.intro')}</p>
<form class="filters" method="post" action="/hr/periods/close" aria-label="${t('per.closeForm')}">
  ${hidden('_csrf', ctx.csrf)}
  <div class="field"><label for="f-role">${t('appr.role')}</label><select id="f-role" name="role">${optionList(
    roles.map((r) => [r.id, `${roleName(t, r.id, r.name)} (${r.id})`]),
    roles[0]?.id ?? '',
  )}</select></div>
  <div class="field"><label for="f-period">${t('appr.period')}</label><input id="f-period" name="period" required placeholder="2026-Q3"></div>
  <div class="field"><label for="f-reason">${t('per.reason')}</label><input id="f-reason" name="reason" placeholder="${t('per.reasonHint')}"></div>
  <button type="submit">${t('per.close')}</button>
</form>
<section aria-labelledby="h-closed"><h2 id="h-closed">${t('per.closed')}</h2>
${
  rows.length === 0
    ? html`<p class="empty">${t('per.none')}</p>`
    : html`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-closed"><table>
<thead><tr><th scope="col">${t('appr.period')}</th><th scope="col">${t('appr.role')}</th><th scope="col">${t('per.version')}</th>
<th scope="col">${t('per.by')}</th><th scope="col">${t('per.at')}</th><th scope="col">${t('per.reason')}</th>
<th scope="col">${t('per.payroll')}</th><th scope="col">${t('per.reopen')}</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
}</section>`;
    return sendPage(reply, page(ctx, { title: t('per.title'), active: '/hr/periods', body }));
  });

  app.post('/hr/periods/close', { config: { console: 'hr' } }, async (request, reply) => {
    const b = parseQuery(closeForm, request.body);
    await periods.close(b.role, b.period, actor(request.ctx), b.reason);
    return reply.redirect(`/hr/periods${queryString({ done: 'closed' })}`, 303);
  });

  app.post('/hr/periods/reopen', { config: { console: 'hr' } }, async (request, reply) => {
    const b = parseQuery(reopenForm, request.body);
    await periods.reopen(b.role, b.period, actor(request.ctx), b.reason);
    return reply.redirect(`/hr/periods${queryString({ done: 'reopened' })}`, 303);
  });

  app.get('/hr/periods/payroll', { config: { console: 'hr' } }, async (request, reply) => {
    const q = parseQuery(payrollQuery, request.query);
    const out = await periods.payroll(q.role, q.period, q.version, q.format);
    return reply
      .type(out.file.contentType)
      .header('content-disposition', `attachment; filename="${out.file.filename}"`)
      .header('x-snapshot-version', String(out.version))
      .header('x-checksum-sha256', out.sha256)
      .send(out.file.body as string);
  });

  app.get('/hr/approvals', { config: { console: 'hr' } }, async (request, reply) => {
    const { ctx } = request;
    const { t, f } = ctx;
    const q = parseQuery(listQuery, request.query);
    const [pending, roles, metrics] = await Promise.all([
      periods.requests({ state: 'pending' }),
      catalogue.roles(),
      catalogue.metrics(),
    ]);
    const roleNames = new Map(roles.map((r) => [r.id, r.name]));
    const metricNames = new Map(metrics.map((m) => [m.id, m.name]));
    const me = actor(ctx);
    const decide = (
      rid: number,
      what: 'approve' | 'reject',
    ) => html`<form method="post" action="/hr/approvals/${String(rid)}/${what}" class="inline">
${hidden('_csrf', ctx.csrf)}
<label for="${what}-${String(rid)}" class="sr-only">${t('per.decisionReason', { id: rid })}</label>
<input id="${what}-${String(rid)}" name="reason"${what === 'reject' ? html` required minlength="3"` : ''} placeholder="${t('per.reason')}">
<button type="submit">${t(what === 'approve' ? 'per.approve' : 'per.reject')}</button></form>`;
    const rows = pending.map(
      (
        r,
      ) => html`<tr data-request="${String(r.id)}"><th scope="row">#${String(r.id)}</th><td>${roleName(t, r.role_id, roleNames.get(r.role_id) ?? r.role_id)}</td>
<td>${metricName(t, r.metric_id, metricNames.get(r.metric_id))}</td><td class="nowrap">${r.period}</td><td>${r.employee_id}</td><td class="num">${f.fixed(r.suggested, 3)}</td><td class="num">${f.fixed(r.value, 3)}</td>
<td>${r.reason}<div class="warn">${approvalWhyText(t, f, r.why)}</div></td><td>${r.requested_by ?? '—'}<br>${f.dateTime(new Date(r.requested_at))}</td>
<td>${
        me !== null && r.requested_by === me
          ? html`<span class="own">${t('per.own')}</span>`
          : html`${decide(r.id, 'approve')}${decide(r.id, 'reject')}`
      }</td></tr>`,
    );
    const body = html`${tabs(ctx, '/hr/approvals')}${done(ctx, q.done)}
<p>${t('per.approvalsIntro')}</p>
<section aria-labelledby="h-pending"><h2 id="h-pending">${t('per.pending', { n: f.count(pending.length) })}</h2>
${
  rows.length === 0
    ? html`<p class="empty">${t('per.noPending')}</p>`
    : html`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-pending"><table>
<thead><tr><th scope="col">${t('per.request')}</th><th scope="col">${t('appr.role')}</th><th scope="col">${t('per.metric')}</th>
<th scope="col">${t('appr.period')}</th><th scope="col">${t('appr.person')}</th><th scope="col">${t('per.suggested')}</th>
<th scope="col">${t('per.value')}</th><th scope="col">${t('per.reason')}</th><th scope="col">${t('per.requestedBy')}</th>
<th scope="col">${t('per.decision')}</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
}</section>`;
    return sendPage(reply, page(ctx, { title: t('per.approvalsTitle'), active: '/hr/periods', body }));
  });

  for (const what of ['approve', 'reject'] as const)
    app.post(`/hr/approvals/:id/${what}`, { config: { console: 'hr' } }, async (request, reply) => {
      const { id: rid } = parseQuery(z.object({ id: z.coerce.number().int().min(1) }), request.params);
      const by = actor(request.ctx);
      if (what === 'approve') await periods.approve(rid, by, parseQuery(approveForm, request.body).reason ?? null);
      else await periods.reject(rid, by, parseQuery(rejectForm, request.body).reason);
      return reply.redirect(`/hr/approvals${queryString({ done: what === 'approve' ? 'approved' : 'rejected' })}`, 303);
    });
}
