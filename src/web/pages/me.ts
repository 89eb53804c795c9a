/**
 * /me — an agent's own page (scope `agent`, issue 18): the key's agent's rating of a chosen period
 * (score, stars, reviews counted), the reviews behind it, each with an appeal form (what the agent
 * asks for and why; one pending appeal per review), and the agent's appeals with their state and the
 * lead's reason. The agent is the one the key is bound to (never a parameter): an agent cannot see or
 * appeal for anyone else. Forms are CSRF-protected and call the corrections service (audited; a lead
 * decides on /corrections).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { BadRequestError } from '../../lib/errors.js';
import { type Appeal, ATTRIBUTIONS, type Attribution, NotAgentKeyError } from '../../reviews/corrections.js';

import type { Ctx } from '../context.js';
import { type Html, html, queryString } from '../html.js';
import { hidden, page, pager, sendPage } from '../layout.js';
import type { MessageKey } from '../messages.js';
import { kindSelect, optionList, parseQuery } from './common.js';
import { reviewCard, scoreCards } from './review-view.js';

const PER_PAGE = 20;
const query = z.object({
  kind: z.enum(['week', 'month', 'quarter']).default('quarter'),
  period: z.string().max(10).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  done: z.enum(['filed']).optional(),
});
const form = z.object({
  review: z.string().trim().min(1).max(200),
  attribution: z.enum(ATTRIBUTIONS),
  reason: z.string().trim().min(3).max(500),
  back: z.string().max(300).optional(),
});
/** What an agent may ask for: everything but `auto` (which asks for nothing). */
const ASKS: Attribution[] = ATTRIBUTIONS.filter((a) => a !== 'auto');

const stateBadge = (ctx: Ctx, a: Appeal) =>
  html`<span class="badge ${a.state === 'accepted' ? 'ok' : a.state === 'rejected' ? 'warn' : 'neu'}">${ctx.t(`me.state.${a.state}` as MessageKey)}</span>`;

function appealForm(ctx: Ctx, reviewId: string, back: string): Html {
  const { t } = ctx;
  const id = `ap-${reviewId.replace(/[^\w-]/g, '_')}`;
  return html`<details class="appeal"><summary>${t('me.appeal')}</summary>
<form method="post" action="/me/appeal" class="stack" aria-label="${t('me.appeal')} ${reviewId}">
  ${hidden('_csrf', ctx.csrf)}${hidden('review', reviewId)}${hidden('back', back)}
  <div class="field"><label for="${id}-attr">${t('me.appealAsk')}</label>
  <select id="${id}-attr" name="attribution">${optionList(
    ASKS.map((a) => [a, t(`corr.attr.${a}` as MessageKey)] as [string, string]),
    'not_agent',
  )}</select></div>
  <label for="${id}-reason">${t('me.appealReason')}</label>
  <textarea id="${id}-reason" name="reason" maxlength="500" minlength="3" required></textarea>
  <div><button type="submit">${t('corr.appealSubmit')}</button></div>
</form></details>`;
}

function appealsTable(ctx: Ctx, appeals: Appeal[]): Html {
  const { t, f } = ctx;
  if (appeals.length === 0) return html`<p class="empty">${t('me.noAppeals')}</p>`;
  return html`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-appeals"><table>
<caption class="sr-only">${t('me.appeals')}</caption>
<thead><tr><th scope="col">${t('col.when')}</th><th scope="col">${t('col.review')}</th><th scope="col">${t('corr.requested')}</th>
<th scope="col">${t('col.reason')}</th><th scope="col">${t('me.col.state')}</th><th scope="col">${t('me.col.decision')}</th></tr></thead>
<tbody>${appeals.map(
    (
      a,
    ) => html`<tr data-appeal="${String(a.id)}"><td>${f.dateTime(a.submitted_at)}</td><th scope="row">${a.review_id}</th>
<td>${t(`corr.attr.${a.requested.attribution}` as MessageKey)}</td><td>${ctx.mask.maskText(a.reason)}</td>
<td>${stateBadge(ctx, a)}</td><td>${a.decision_reason ? ctx.mask.maskText(a.decision_reason) : '—'}</td></tr>`,
  )}</tbody></table></div>`;
}

export default async function mePage(app: FastifyInstance): Promise<void> {
  const { console: svc, corrections } = app.services;
  const ownAgent = (ctx: Ctx): string => {
    const id = ctx.session?.agentId;
    if (!id) throw new NotAgentKeyError();
    return id;
  };

  app.get('/me', { config: { console: 'self' } }, async (request, reply) => {
    const { ctx } = request;
    const { t, f } = ctx;
    const id = ownAgent(ctx);
    const q = parseQuery(query, request.query);
    const history = await svc.agent(id, q.kind);
    const ratings = history.ratings;
    const chosen = ratings.find((r) => r.period === q.period) ?? ratings.at(-1) ?? null;
    const offset = (q.page - 1) * PER_PAGE;
    const behind = chosen
      ? await svc.reviewsBehind({
          agentId: id,
          period: chosen.period,
          which: 'attributable',
          limit: PER_PAGE,
          offset,
          explain: false,
        })
      : null;
    const appeals = await corrections.listAppeals({ agent_id: id, limit: 50 });
    const pending = new Set(appeals.filter((a) => a.state === 'pending').map((a) => a.review_id));
    const base = { kind: q.kind, period: chosen?.period };
    const here = `/me${queryString({ ...base, page: q.page > 1 ? q.page : undefined })}`;
    const body = html`<p class="meta">${t('me.intro')}</p>
${q.done === 'filed' ? html`<p class="notice info" role="status">${t('corr.filed')}</p>` : ''}
<form class="filters" method="get" action="/me" data-partial aria-label="${t('filters.title')}">
  ${kindSelect(ctx, q.kind, ['week', 'month', 'quarter'])}
  <div class="field"><label for="f-period">${t('agent.pickPeriod')}</label>
    <select id="f-period" name="period">${optionList(
      [...ratings].reverse().map((r) => [r.period, r.period]),
      chosen?.period ?? '',
    )}</select></div>
  <button type="submit">${t('filter.apply')}</button>
</form>
${
  chosen
    ? html`<ul class="cards" aria-label="${chosen.period}">
${scoreCards(ctx, chosen)}
<li><div>${t('col.n')}</div><div class="big" data-field="n">${f.count(chosen.n)}</div>
  <div class="hint">${t('agent.notAttr', { n: f.count(chosen.not_attributable.reviews) })}</div></li>
</ul>
<section aria-labelledby="reviews"><h2 id="reviews" tabindex="-1">${t('agent.reviews', { period: chosen.period })}</h2>
<p role="status">${t('results.reviews', { n: f.count(behind?.total ?? 0) })}</p>
${
  behind && behind.items.length > 0
    ? html`<ul class="reviews">${behind.items.map((r) =>
        reviewCard(
          ctx,
          r,
          pending.has(r.id)
            ? html`<p class="why"><span class="badge neu">${t('me.appealOpen')}</span></p>`
            : appealForm(ctx, r.id, here),
          false,
        ),
      )}</ul>`
    : html`<p class="empty">${t('empty')}</p>`
}
${pager(ctx, { total: behind?.total ?? 0, limit: PER_PAGE, offset, link: (o) => `/me${queryString({ ...base, page: o / PER_PAGE + 1 })}#reviews` })}
</section>`
    : html`<p class="empty">${t('agent.noRatings')}</p>`
}
<section class="card" aria-labelledby="h-appeals"><h2 id="h-appeals">${t('me.appeals')}</h2>${appealsTable(ctx, appeals)}</section>`;
    return sendPage(reply, page(ctx, { title: t('me.title', { id }), active: '/me', body }));
  });

  app.post('/me/appeal', { config: { console: 'self' } }, async (request, reply) => {
    const { ctx } = request;
    const agentId = ownAgent(ctx);
    const parsed = form.safeParse(request.body);
    if (!parsed.success)
      throw new BadRequestError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const { review, attribution, reason, back } = parsed.data;
    await corrections.appeal(review, { requested: { attribution }, reason }, { actor: ctx.session!.keyId, agentId });
    const to = back && /^\/me(\?[^\s]*)?$/.test(back) ? back : '/me';
    return reply.redirect(`${to}${to.includes('?') ? '&' : '?'}done=filed`, 303);
  });
}
