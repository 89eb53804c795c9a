/**
 * /reviews — reviews filtered by agent, aspect, sentiment, language, date and overdue, with their
 * aspect spans highlighted; and a box that scores a pasted text as /v1/sentiment/score does, with
 * the explanation (POST /reviews/score, CSRF-protected).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AGENT_ASPECTS, OTHER_ASPECTS } from '../../ratings/attribution.js';
import type { ScoredReview } from '../../reviews/sentiment/index.js';
import type { Ctx } from '../context.js';
import { type Html, html, queryString } from '../html.js';
import { hidden, page, pager, sendPage } from '../layout.js';
import type { MessageKey } from '../messages.js';
import { dayField, optionList, parseQuery } from './common.js';
import { highlighted, reviewCard, sentimentBadge, words } from './review-view.js';

const PAGE_SIZE = 25;
const ASPECTS = [...AGENT_ASPECTS, ...OTHER_ASPECTS];

const query = z.object({
  agent: z.string().trim().max(64).optional(),
  aspect: z.enum(ASPECTS as [string, ...string[]]).optional(),
  sentiment: z.enum(['positive', 'neutral', 'negative']).optional(),
  language: z.enum(['zh', 'en', 'other']).optional(),
  from: dayField.optional(),
  to: dayField.optional(),
  overdue: z.enum(['1', 'true', 'on']).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});
type Query = z.infer<typeof query>;

function filters(ctx: Ctx, q: Query): Html {
  const { t } = ctx;
  return html`<form class="filters" method="get" action="/reviews" data-partial aria-label="${t('filters.title')}">
  <div class="field"><label for="f-agent">${t('filter.agent')}</label>
    <input id="f-agent" name="agent" type="text" value="${q.agent ?? ''}" size="10" autocomplete="off"></div>
  <div class="field"><label for="f-aspect">${t('filter.aspect')}</label>
    <select id="f-aspect" name="aspect">${optionList(
      [['', t('filter.all')], ...ASPECTS.map((a) => [a, t(`aspect.${a}` as MessageKey)] as [string, string])],
      q.aspect ?? '',
    )}</select></div>
  <div class="field"><label for="f-sentiment">${t('filter.sentiment')}</label>
    <select id="f-sentiment" name="sentiment">${optionList(
      [
        ['', t('filter.all')],
        ['positive', t('sentiment.positive')],
        ['neutral', t('sentiment.neutral')],
        ['negative', t('sentiment.negative')],
      ],
      q.sentiment ?? '',
    )}</select></div>
  <div class="field"><label for="f-language">${t('filter.language')}</label>
    <select id="f-language" name="language">${optionList(
      [
        ['', t('filter.all')],
        ['zh', t('language.zh')],
        ['en', t('language.en')],
        ['other', t('language.other')],
      ],
      q.language ?? '',
    )}</select></div>
  <div class="field"><label for="f-from">${t('filter.from')}</label>
    <input id="f-from" name="from" type="date" value="${q.from ?? ''}"></div>
  <div class="field"><label for="f-to">${t('filter.to')}</label>
    <input id="f-to" name="to" type="date" value="${q.to ?? ''}"></div>
  <div class="field check"><input id="f-overdue" name="overdue" type="checkbox" value="1"${q.overdue ? html` checked` : ''}>
    <label for="f-overdue">${t('filter.overdue')}</label></div>
  <button type="submit">${t('filter.apply')}</button>
</form>`;
}

function scoreBox(ctx: Ctx, q: Query, text: string, result: ScoredReview | null): Html {
  const { t, f } = ctx;
  return html`<section class="card" aria-labelledby="h-score"><h2 id="h-score">${t('score.title')}</h2>
<form method="post" action="/reviews/score${queryString({ ...q, page: undefined })}" class="stack">
  ${hidden('_csrf', ctx.csrf)}
  <label for="score-text">${t('score.text')}</label>
  <textarea id="score-text" name="text" maxlength="2000" required>${text}</textarea>
  <div><button type="submit">${t('score.submit')}</button></div>
</form>
${
  result
    ? html`<div class="review" role="status" aria-labelledby="h-result"><h3 id="h-result">${t('score.result')}</h3>
  <p>${sentimentBadge(ctx, result.label, result.probability)} · ${t('filter.language')}: ${result.language} · ${t('score.model')}: ${result.modelVersion}</p>
  <p class="text">${highlighted(ctx, text, result.aspects)}</p>
  ${
    result.aspects.length > 0
      ? html`<p class="why">${t('score.aspects')}: ${result.aspects.map((a, i) => html`${i > 0 ? ', ' : ''}${t(`aspect.${a.aspect}` as MessageKey)} (${t(`sentiment.${a.sentiment}` as MessageKey)}, ${f.fixed(a.probability, 2)})`)}</p>`
      : ''
  }
  ${words(ctx, result.explanation)}
</div>`
    : ''
}
</section>`;
}

export default async function reviewsPages(app: FastifyInstance): Promise<void> {
  const { console: svc } = app.services;

  async function render(ctx: Ctx, raw: unknown, scored: { text: string; result: ScoredReview } | null) {
    const { t, f } = ctx;
    const q = parseQuery(query, raw);
    const offset = (q.page - 1) * PAGE_SIZE;
    const found = await svc.searchReviews({
      agent: q.agent || undefined,
      aspect: q.aspect,
      sentiment: q.sentiment,
      language: q.language,
      from: q.from,
      to: q.to,
      overdue: q.overdue !== undefined,
      limit: PAGE_SIZE,
      offset,
    });
    const link = (o: number) => `/reviews${queryString({ ...q, page: o / PAGE_SIZE + 1 })}`;
    const body = html`${filters(ctx, q)}
<div class="grid">
<section aria-labelledby="h-list"><h2 id="h-list">${t('results.reviews', { n: f.count(found.total) })}</h2>
${
  found.items.length > 0
    ? html`<ul class="reviews">${found.items.map((r) => reviewCard(ctx, r))}</ul>`
    : html`<p class="empty">${t('empty')}</p>`
}
${pager(ctx, { total: found.total, limit: PAGE_SIZE, offset, link })}
</section>
${scoreBox(ctx, q, scored?.text ?? '', scored?.result ?? null)}
</div>`;
    return page(ctx, { title: t('reviews.title'), active: '/reviews', body });
  }

  app.get('/reviews', { config: { console: 'quality' } }, async (request, reply) =>
    sendPage(reply, await render(request.ctx, request.query, null)),
  );

  app.post('/reviews/score', { config: { console: 'quality' } }, async (request, reply) => {
    const body = request.body as { text?: unknown };
    const text = typeof body.text === 'string' ? body.text.trim().slice(0, 2000) : '';
    if (!text) return sendPage(reply, await render(request.ctx, request.query, null));
    const [result] = await svc.scoreText([text], { explain: true });
    return sendPage(reply, await render(request.ctx, request.query, result ? { text, result } : null));
  });
}
