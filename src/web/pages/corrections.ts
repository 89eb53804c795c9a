/**
 * /corrections — the quality lead's corrections (复核) and appeals (申诉), issue 18: find a review (or
 * come from a review card's link), see its aspects as in force, correct its aspects, their polarity or
 * its attribution with a reason, or file an appeal for its agent; decide pending appeals; the recent
 * corrections. Every form is CSRF-protected and calls the corrections service (the API's workflow):
 * audited, ratings recomputed at once.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { BadRequestError } from '../../lib/errors.js';
import { textFault } from '../../lib/text.js';
import {
  type Appeal,
  ATTRIBUTIONS,
  type Attribution,
  type CorrectionRequest,
  POLARITIES,
  type ReviewUnderCorrection,
} from '../../reviews/corrections.js';
import { ASPECT_ORDER, type Aspect } from '../../reviews/sentiment/aspects.js';
import type { Ctx } from '../context.js';
import { type Html, html, queryString } from '../html.js';
import { hidden, page, sendPage } from '../layout.js';
import { auditReasonText, type MessageKey } from '../messages.js';
import { optionList, parseQuery } from './common.js';
import { reviewCard, shownText } from './review-view.js';

const reviewId = z.string().trim().min(1).max(200);
const query = z.object({
  review: reviewId.optional(),
  done: z.enum(['saved', 'filed', 'accepted', 'rejected']).optional(),
  n: z.coerce.number().int().min(0).max(1_000_000).optional(),
});

const aspectKey = (a: string) => `aspect.${a}` as MessageKey;
const attrKey = (a: string) => `corr.attr.${a}` as MessageKey;

function attributionSelect(ctx: Ctx, id: string, selected: Attribution): Html {
  return html`<div class="field"><label for="${id}">${ctx.t('corr.attribution')}</label>
  <select id="${id}" name="attribution">${optionList(
    ATTRIBUTIONS.map((a) => [a, ctx.t(attrKey(a))] as [string, string]),
    selected,
  )}</select></div>`;
}

/** The aspect checkboxes with a polarity each, ticked as the review's aspects are now. */
function aspectFields(ctx: Ctx, prefix: string, r: ReviewUnderCorrection): Html {
  const { t } = ctx;
  const now = new Map(r.aspects.map((h) => [h.aspect, h.sentiment]));
  return html`<fieldset><legend>${t('corr.aspects')}</legend>
  <div class="field check"><input id="${prefix}-keep" name="keep" type="checkbox" value="1" checked>
    <label for="${prefix}-keep">${t('corr.keepModel')}</label></div>
  <table class="data compact"><tbody>${ASPECT_ORDER.map(
    (
      a,
    ) => html`<tr><td><div class="field check"><input id="${prefix}-a-${a}" name="a_${a}" type="checkbox" value="1"${now.has(a) ? html` checked` : ''}>
    <label for="${prefix}-a-${a}">${t(aspectKey(a))}</label></div></td>
    <td><label class="sr-only" for="${prefix}-p-${a}">${t('corr.polarity', { aspect: t(aspectKey(a)) })}</label>
    <select id="${prefix}-p-${a}" name="p_${a}">${optionList(
      [
        ['', t('corr.polarityModel')],
        ...POLARITIES.map((p) => [p, t(`sentiment.${p}` as MessageKey)] as [string, string]),
      ],
      '',
    )}</select></td></tr>`,
  )}</tbody></table></fieldset>`;
}

function reviewSection(ctx: Ctx, r: ReviewUnderCorrection, history: Html): Html {
  const { t } = ctx;
  const state =
    r.correction_id === null
      ? t('corr.model')
      : t('corr.inForce', { id: String(r.correction_id), attribution: t(attrKey(r.attribution)) });
  return html`<section class="card" aria-labelledby="h-review"><h2 id="h-review">${t('corr.review', { id: r.id })}</h2>
<ul class="reviews">${reviewCard(ctx, r, html`<p class="why">${state}</p>`)}</ul>
<div class="grid">
<form method="post" action="/corrections/correct" class="stack" aria-labelledby="h-correct">
  <h3 id="h-correct">${t('corr.form')}</h3>
  ${hidden('_csrf', ctx.csrf)}${hidden('review', r.id)}
  ${aspectFields(ctx, 'c', r)}
  ${attributionSelect(ctx, 'c-attr', r.attribution)}
  <label for="c-reason">${t('corr.reason')}</label>
  <textarea id="c-reason" name="reason" maxlength="500" minlength="3" required></textarea>
  <div><button type="submit">${t('corr.submit')}</button></div>
</form>
${
  r.agent_id
    ? html`<form method="post" action="/corrections/appeal" class="stack" aria-labelledby="h-appeal">
  <h3 id="h-appeal">${t('corr.appealForm')}</h3>
  ${hidden('_csrf', ctx.csrf)}${hidden('review', r.id)}
  ${aspectFields(ctx, 'ap', r)}
  ${attributionSelect(ctx, 'ap-attr', r.attribution)}
  <label for="ap-reason">${t('corr.reason')}</label>
  <textarea id="ap-reason" name="reason" maxlength="500" minlength="3" required></textarea>
  <div><button type="submit">${t('corr.appealSubmit')}</button></div>
</form>`
    : ''
}
</div>
${history}
</section>`;
}

/** "Logistics (negative), Price" / "物流（负面）、价格". */
function aspectList(ctx: Ctx, xs: readonly { aspect: string; polarity?: string | undefined }[]): string {
  const { t, lang } = ctx;
  const [open, close, sep] = lang === 'en' ? [' (', ')', ', '] : ['（', '）', '、'];
  return (
    xs
      .map(
        (a) =>
          `${t(aspectKey(a.aspect))}${a.polarity ? `${open}${t(`sentiment.${a.polarity}` as MessageKey)}${close}` : ''}`,
      )
      .join(sep) || '—'
  );
}

function requestedText(ctx: Ctx, req: CorrectionRequest): string {
  const { t } = ctx;
  const aspects = req.aspects ? aspectList(ctx, req.aspects) : t('corr.keepModel');
  return `${aspects} · ${t(attrKey(req.attribution))}`;
}

function pendingSection(ctx: Ctx, appeals: Appeal[]): Html {
  const { t, f } = ctx;
  return html`<section class="card" aria-labelledby="h-pending"><h2 id="h-pending">${t('corr.pending')}</h2>
${
  appeals.length === 0
    ? html`<p class="empty">${t('corr.noPending')}</p>`
    : html`<ul class="reviews">${appeals.map(
        (a) => html`<li class="review" data-appeal="${String(a.id)}">
  <div class="head"><span>#${String(a.id)}</span><span>${f.dateTime(a.submitted_at)}</span>
    <a href="/corrections${queryString({ review: a.review_id })}">${t('col.review')} ${a.review_id}</a>
    ${a.agent_id ? html`<span>${t('col.agent')} ${a.agent_id}</span>` : ''}</div>
  <p>${t('corr.requested')}: ${requestedText(ctx, a.requested)}</p>
  <p class="why">${t('col.reason')}: ${shownText(ctx, a.reason)}</p>
  <form method="post" action="/corrections/decide" class="stack">
    ${hidden('_csrf', ctx.csrf)}${hidden('appeal', String(a.id))}
    <label for="d-reason-${String(a.id)}">${t('corr.decisionReason')}</label>
    <input id="d-reason-${String(a.id)}" name="reason" type="text" maxlength="500" minlength="3" required>
    <div><button type="submit" name="decision" value="accept">${t('corr.accept')}</button>
    <button type="submit" name="decision" value="reject">${t('corr.reject')}</button></div>
  </form>
</li>`,
      )}</ul>`
}
</section>`;
}

function correctionsTable(
  ctx: Ctx,
  title: string,
  id: string,
  rows: Awaited<ReturnType<FastifyInstance['services']['corrections']['list']>>,
  empty: 'corr.noRecent' | 'corr.noHistory',
): Html {
  const { t, f } = ctx;
  return html`<section class="card" aria-labelledby="${id}"><h2 id="${id}">${title}</h2>
${
  rows.length === 0
    ? html`<p class="empty">${t(empty)}</p>`
    : html`<div class="table-wrap"><table class="data"><thead><tr><th scope="col">${t('col.when')}</th><th scope="col">${t('col.review')}</th>
<th scope="col">${t('col.agent')}</th><th scope="col">${t('col.aspects')}</th><th scope="col">${t('col.attribution')}</th>
<th scope="col">${t('col.reason')}</th><th scope="col">${t('col.by')}</th></tr></thead><tbody>${rows.map(
        (c) => html`<tr><td>${f.dateTime(c.created_at)}</td>
<td><a href="/corrections${queryString({ review: c.review_id })}">${c.review_id}</a></td><td>${c.agent_id ?? '—'}</td>
<td>${
          c.aspects
            ? aspectList(
                ctx,
                c.aspects.map((h) => ({ aspect: h.aspect, polarity: h.sentiment })),
              )
            : t('corr.keepModel')
        }</td>
<td>${t(attrKey(c.attribution))}</td><td>${shownText(ctx, auditReasonText(t, c.reason))}</td><td>${c.actor ?? '—'}</td></tr>`,
      )}</tbody></table></div>`
}
</section>`;
}

/** A form's correction: the ticked aspects with their polarities (unless "keep the model's"), the attribution. */
export function requestFromForm(body: Record<string, unknown>): CorrectionRequest & { reason: string } {
  const attribution = z.enum(ATTRIBUTIONS).safeParse(body.attribution);
  if (!attribution.success) throw new BadRequestError('attribution: expected auto, agent, not_agent or excluded');
  const reason = typeof body.reason === 'string' ? body.reason.trim() : '';
  if (reason.length < 3 || reason.length > 500) throw new BadRequestError('reason: 3 to 500 characters');
  const fault = textFault(reason);
  if (fault) throw new BadRequestError(`reason: ${fault}`);
  const keep = body.keep !== undefined;
  const aspects = keep
    ? null
    : ASPECT_ORDER.filter((a) => body[`a_${a}`] !== undefined).map((a: Aspect) => {
        const p = body[`p_${a}`];
        const polarity = (POLARITIES as readonly unknown[]).includes(p)
          ? (p as (typeof POLARITIES)[number])
          : undefined;
        return polarity ? { aspect: a, polarity } : { aspect: a };
      });
  return { aspects, attribution: attribution.data, reason };
}

export default async function correctionsPages(app: FastifyInstance): Promise<void> {
  const { corrections } = app.services;

  app.get('/corrections', { config: { console: 'quality' } }, async (request, reply) => {
    const { ctx } = request;
    const { t } = ctx;
    const q = parseQuery(query, request.query);
    const [review, pending, recent] = await Promise.all([
      q.review ? corrections.review(q.review) : Promise.resolve(null),
      corrections.listAppeals({ state: 'pending', limit: 50 }),
      corrections.list({ limit: 20 }),
    ]);
    const history = review
      ? correctionsTable(
          ctx,
          t('corr.history'),
          'h-history',
          await corrections.list({ review_id: review.id, limit: 50 }),
          'corr.noHistory',
        )
      : html``;
    const done = q.done
      ? html`<p class="notice info" role="status">${
          q.done === 'saved'
            ? t('corr.saved', { n: String(q.n ?? 0) })
            : q.done === 'filed'
              ? t('corr.filed')
              : t(`corr.decided.${q.done}` as MessageKey)
        }</p>`
      : html``;
    const body = html`${done}
<form class="filters" method="get" action="/corrections" aria-label="${t('corr.find')}">
  <div class="field"><label for="f-review">${t('corr.reviewId')}</label>
    <input id="f-review" name="review" type="text" value="${q.review ?? ''}" size="16" autocomplete="off"></div>
  <button type="submit">${t('corr.open')}</button>
</form>
${q.review && !review ? html`<p class="empty" role="status">${t('corr.notFound', { id: q.review })}</p>` : ''}
${review ? reviewSection(ctx, review, history) : ''}
<div class="grid">
${pendingSection(ctx, pending)}
${correctionsTable(ctx, t('corr.recent'), 'h-recent', recent, 'corr.noRecent')}
</div>`;
    return sendPage(reply, page(ctx, { title: t('corr.title'), active: '/corrections', body }));
  });

  const actor = (request: { ctx: Ctx }) => request.ctx.session?.keyId ?? null;
  const reviewOf = (body: Record<string, unknown>) => {
    const id = reviewId.safeParse(body.review);
    if (!id.success) throw new BadRequestError('review: required');
    const fault = textFault(id.data);
    if (fault) throw new BadRequestError(`review: ${fault}`);
    return id.data;
  };

  app.post('/corrections/correct', { config: { console: 'quality' } }, async (request, reply) => {
    const body = request.body as Record<string, unknown>;
    const id = reviewOf(body);
    const r = await corrections.correct(id, requestFromForm(body), actor(request));
    return reply.redirect(`/corrections${queryString({ review: id, done: 'saved', n: r.ratings_updated })}`, 303);
  });

  app.post('/corrections/appeal', { config: { console: 'quality' } }, async (request, reply) => {
    const body = request.body as Record<string, unknown>;
    const id = reviewOf(body);
    const { reason, ...requested } = requestFromForm(body);
    await corrections.appeal(id, { requested, reason }, { actor: actor(request) });
    return reply.redirect(`/corrections${queryString({ review: id, done: 'filed' })}`, 303);
  });

  app.post('/corrections/decide', { config: { console: 'quality' } }, async (request, reply) => {
    const body = request.body as Record<string, unknown>;
    const id = z.coerce.number().int().min(1).safeParse(body.appeal);
    const decision = z.enum(['accept', 'reject']).safeParse(body.decision);
    if (!id.success || !decision.success) throw new BadRequestError('appeal, decision: required');
    const reason = typeof body.reason === 'string' ? body.reason.trim() : '';
    if (textFault(reason)) throw new BadRequestError(`reason: ${textFault(reason)}`);
    const r = await corrections.decide(id.data, { decision: decision.data, reason }, actor(request));
    return reply.redirect(
      `/corrections${queryString({ review: r.appeal.review_id, done: r.appeal.state === 'accepted' ? 'accepted' : 'rejected' })}`,
      303,
    );
  });
}
