/**
 * /ratings/agents/:id — one agent: the rating over time with its 90 % interval band; attributable
 * reviews per period (each bar links to that period's reviews); the aspect breakdown of the chosen
 * period (what the agent controls beside what was not attributable: logistics, product, price,
 * packaging; each bar links to the reviews that mention it); SLA history; and the reviews behind the
 * chosen rating, each with whether and why it counts, its aspect spans highlighted and the words
 * that moved its score.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parsePeriod } from '../../history/period.js';
import { AGENT_ASPECTS, OTHER_ASPECTS, type ReasonCode } from '../../ratings/attribution.js';
import type { Rating } from '../../ratings/rating.js';
import { chart } from '../charts.js';
import type { Ctx } from '../context.js';
import { type Html, html, queryString } from '../html.js';
import { page, pager, sendPage } from '../layout.js';
import { channelName, type MessageKey, roleName, type Translate } from '../messages.js';
import { kindSelect, optionList, parseQuery } from './common.js';
import { reviewCard, scoreCards, words } from './review-view.js';

const REVIEWS_PER_PAGE = 20;
/** How many periods the charts show, newest last. */
const SHOWN = { week: 26, month: 24, quarter: 16 } as const;

const query = z.object({
  kind: z.enum(['week', 'month', 'quarter']).default('quarter'),
  period: z.string().max(10).optional(),
  which: z.enum(['all', 'attributable', 'not_attributable']).default('all'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});

const aspectKey = (a: string) => `aspect.${a}` as MessageKey;

/** [from, to) of a period as dates, for links to the reviews screen. */
function range(period: string): { from: string; to: string } | null {
  const p = parsePeriod(period);
  if (!p) return null;
  const to = new Date(`${p.end}T00:00:00Z`);
  to.setUTCDate(to.getUTCDate() + 1);
  return { from: p.start, to: to.toISOString().slice(0, 10) };
}

/** The y range of the rating chart: every score and interval end in view, padded, on multiples of 10 (the axis' ticks). */
export function ratingAxis(values: readonly (number | null)[]): { min: number; max: number } {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return { min: 0, max: 100 };
  let min = Math.max(0, Math.floor((Math.min(...xs) - 2) / 10) * 10);
  let max = Math.min(100, Math.ceil((Math.max(...xs) + 2) / 10) * 10);
  // at least 20 points of range, so one narrow interval is not drawn as if it filled the chart
  while (max - min < 20) {
    if (min > 0) min -= 10;
    if (max - min < 20 && max < 100) max += 10;
  }
  return { min, max };
}

function historyCharts(ctx: Ctx, id: string, kind: string, ratings: Rating[]): Html {
  const { t, lang } = ctx;
  const shown = ratings.slice(-SHOWN[kind as keyof typeof SHOWN]);
  const periods = shown.map((r) => r.period);
  const pct = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 10);
  const low = shown.map((r) => (r.interval.high === null ? null : pct(r.interval.low)));
  const high = shown.map((r) => (r.interval.low === null ? null : pct(r.interval.high)));
  // the band is stacked on the low end: its value is the interval's width (null: no interval then)
  const width = shown.map((_, i) => {
    const [lo, hi] = [low[i], high[i]];
    return lo === null || lo === undefined || hi === null || hi === undefined ? null : Math.round((hi - lo) * 10) / 10;
  });
  const axis = ratingAxis([...low, ...high, ...shown.map((r) => r.score)]);
  const grid = { left: 44, right: 16, top: 16, bottom: 56 };
  const xAxis = { type: 'category', data: periods, axisLabel: { rotate: periods.length > 8 ? 45 : 0 } };
  const edge = { color: '#3b82f6', width: 1, opacity: 0.9 };
  const line = chart({
    width: 640,
    height: 280,
    lang,
    label: `${t('agent.history')}: ${shown
      .map(
        (r, i) =>
          `${r.period} ${ctx.f.fixed(r.score)}${low[i] !== null && high[i] !== null ? ` (${ctx.f.fixed(low[i] ?? null)}–${ctx.f.fixed(high[i] ?? null)})` : ''}`,
      )
      .join(', ')}`,
    option: {
      grid,
      xAxis,
      yAxis: { type: 'value', min: axis.min, max: axis.max },
      series: [
        // the interval's low end (its line drawn), then its width stacked on it: the band between them,
        // with the high end's line on top — a narrow interval still shows as two lines
        { name: 'low', type: 'line', data: low, stack: 'ci', lineStyle: edge, symbol: 'none', silent: true },
        {
          name: 'band',
          type: 'line',
          data: width,
          stack: 'ci',
          lineStyle: edge,
          areaStyle: { color: '#93c5fd', opacity: 0.55 },
          symbol: 'none',
          silent: true,
        },
        { name: 'score', type: 'line', data: shown.map((r) => r.score), color: '#1e3a5f', symbolSize: 6 },
      ],
    },
  });
  // the legend in HTML (ECharts' own legend was about a third of this chart's rendering time)
  const legend = html`<ul class="legend" aria-hidden="true"><li><span class="key key-score"></span>${t('chart.score')}</li><li><span class="key key-band"></span>${t('chart.band')}</li></ul>`;
  const bars = chart({
    width: 640,
    height: 260,
    lang,
    label: t('agent.reviewsChart'),
    linkKey: `${id}|${kind}`,
    option: {
      grid,
      xAxis,
      yAxis: { type: 'value', minInterval: 1 },
      series: [{ name: t('chart.reviews'), type: 'bar', data: shown.map((r) => r.n), color: '#3b82f6' }],
    },
    link: (_s, i) => {
      const r = shown[i];
      if (!r) return null;
      return {
        href: `/ratings/agents/${encodeURIComponent(id)}${queryString({ kind, period: r.period })}#reviews`,
        label: t('chart.barLink', { label: r.period, value: `${r.n} ${t('chart.reviews')}` }),
      };
    },
  });
  return html`<div class="grid">
<section class="card" aria-labelledby="h-history"><h2 id="h-history">${t('agent.history')}</h2>${legend}${line}</section>
<section class="card" aria-labelledby="h-bars"><h2 id="h-bars">${t('agent.reviewsChart')}</h2>${bars}</section>
</div>`;
}

function aspects(ctx: Ctx, id: string, r: Rating): Html {
  const { t, f, lang } = ctx;
  const span = range(r.period);
  const link = (aspect: string) => `/reviews${queryString({ agent: id, aspect, from: span?.from, to: span?.to })}`;
  const names = [...AGENT_ASPECTS, ...OTHER_ASPECTS];
  const values = [
    ...AGENT_ASPECTS.map((a) =>
      r.aspects[a]?.share === null || r.aspects[a] === undefined ? 0 : Math.round(r.aspects[a]!.share! * 1000) / 10,
    ),
    ...OTHER_ASPECTS.map((a) => {
      const x = r.not_attributable.aspects[a];
      return x && x.mentions > 0 ? Math.round(((x.mentions - x.negative) / x.mentions) * 1000) / 10 : 0;
    }),
  ];
  const bars = chart({
    width: 640,
    height: 260,
    lang,
    label: t('agent.aspectsChart'),
    linkKey: `${id}|${r.period}`,
    option: {
      grid: { left: 44, right: 16, top: 20, bottom: 40 },
      xAxis: { type: 'category', data: names.map((a) => t(aspectKey(a))) },
      yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      series: [
        {
          type: 'bar',
          data: values.map((v, i) => ({
            value: v,
            itemStyle: { color: i < AGENT_ASPECTS.length ? '#1e3a5f' : '#9ca3af' },
          })),
        },
      ],
    },
    link: (_s, i) => {
      const a = names[i];
      return a
        ? { href: link(a), label: t('chart.barLink', { label: t(aspectKey(a)), value: `${values[i]}%` }) }
        : null;
    },
  });
  return html`<section class="card" aria-labelledby="h-aspects"><h2 id="h-aspects">${t('agent.aspects', { period: r.period })}</h2>
<div class="grid">
<div>${bars}</div>
<div>
<table><caption>${t('agent.controls')}</caption>
<thead><tr><th scope="col">${t('filter.aspect')}</th><th scope="col" class="num">${t('col.n')}</th><th scope="col" class="num">${t('agent.share')}</th></tr></thead>
<tbody>${AGENT_ASPECTS.map(
    (a) =>
      html`<tr><th scope="row"><a href="${link(a)}">${t(aspectKey(a))}</a></th><td class="num">${f.count(r.aspects[a]?.n ?? 0)}</td><td class="num">${f.pct(r.aspects[a]?.share ?? null)}</td></tr>`,
  )}</tbody></table>
<table><caption>${t('agent.notAttr', { n: f.count(r.not_attributable.reviews) })}</caption>
<thead><tr><th scope="col">${t('filter.aspect')}</th><th scope="col" class="num">${t('agent.mentions')}</th><th scope="col" class="num">${t('agent.negative')}</th></tr></thead>
<tbody>${OTHER_ASPECTS.map(
    (a) =>
      html`<tr><th scope="row"><a href="${link(a)}">${t(aspectKey(a))}</a></th><td class="num">${f.count(r.not_attributable.aspects[a]?.mentions ?? 0)}</td><td class="num">${f.count(r.not_attributable.aspects[a]?.negative ?? 0)}</td></tr>`,
  )}</tbody></table>
</div></div></section>`;
}

function slaHistory(ctx: Ctx, ratings: Rating[]): Html {
  const { t, f } = ctx;
  const rows = ratings.slice(-12).reverse();
  return html`<section class="card" aria-labelledby="h-sla"><h2 id="h-sla">${t('agent.sla')}</h2>
<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-sla"><table>
<thead><tr><th scope="col">${t('col.period')}</th><th scope="col" class="num">${t('col.negatives')}</th><th scope="col" class="num">${t('col.replied')}</th>
<th scope="col" class="num">${t('col.late')}</th><th scope="col" class="num">${t('col.pending')}</th><th scope="col" class="num">${t('col.resp24')}</th>
<th scope="col" class="num">${t('col.returnsN')}</th><th scope="col" class="num">${t('col.closed48')}</th><th scope="col" class="num">${t('col.ret48')}</th></tr></thead>
<tbody>${rows.map((r) => {
    const n = r.sla.negative_response_24h;
    const x = r.sla.returns_48h;
    return html`<tr><th scope="row">${r.period}</th><td class="num">${f.count(n.negative_reviews)}</td><td class="num">${f.count(n.replied_within_24h)}</td>
<td class="num">${f.count(n.late)}</td><td class="num">${f.count(n.pending)}</td><td class="num">${f.pct(n.rate)}</td>
<td class="num">${f.count(x.returns)}</td><td class="num">${f.count(x.closed_within_48h)}</td><td class="num">${f.pct(x.rate)}</td></tr>`;
  })}</tbody></table></div></section>`;
}

/** Why a review counts or not, in the page's language, from the stable code of explainAttribution. */
export function reasonText(t: Translate, r: { reason_code: ReasonCode; channel: string | null }): string {
  switch (r.reason_code) {
    case 'excluded':
      return t('reason.correction', { attribution: t('corr.attr.excluded') });
    case 'marked_not_agent':
      return t('reason.correction', { attribution: t('corr.attr.not_agent') });
    case 'marked_agent':
      return t('reason.correction', { attribution: t('corr.attr.agent') });
    case 'agent_aspects':
      return t('reason.agent_aspects');
    case 'service_interaction':
      return t('reason.service_interaction', { channel: r.channel ? channelName(t, r.channel) : '' });
    case 'unscored':
      return t('reason.unscored');
    case 'other_aspects':
      return t('reason.other_aspects');
    case 'language':
      return t('reason.language');
    case 'outside_control':
      return t('reason.outside');
    case 'no_service':
      return t('reason.none');
  }
}

export default async function agentPage(app: FastifyInstance): Promise<void> {
  const { console: svc } = app.services;

  app.get('/ratings/agents/:id', { config: { console: 'quality' } }, async (request, reply) => {
    const { ctx } = request;
    const { t, f } = ctx;
    const id = (request.params as { id: string }).id;
    const q = parseQuery(query, request.query);
    const history = await svc.agent(id, q.kind);
    const ratings = history.ratings;
    const chosen = ratings.find((r) => r.period === q.period) ?? ratings.at(-1) ?? null;
    const offset = (q.page - 1) * REVIEWS_PER_PAGE;
    const behind = chosen
      ? await svc.reviewsBehind({
          agentId: id,
          period: chosen.period,
          which: q.which,
          limit: REVIEWS_PER_PAGE,
          offset,
          explain: true,
        })
      : null;
    const base = { kind: q.kind, period: chosen?.period, which: q.which };
    const body = html`<p class="meta">${t('agent.meta', { role: roleName(t, history.role_id, history.role_id), team: history.team ?? t('noTeam') })} · <a href="/ratings${queryString({ kind: q.kind, period: chosen?.period })}">${t('agent.back')}</a></p>
<form class="filters" method="get" action="/ratings/agents/${encodeURIComponent(id)}" data-partial aria-label="${t('filters.title')}">
  ${kindSelect(ctx, q.kind, ['week', 'month', 'quarter'])}
  <div class="field"><label for="f-period">${t('agent.pickPeriod')}</label>
    <select id="f-period" name="period">${optionList(
      [...ratings].reverse().map((r) => [r.period, r.period]),
      chosen?.period ?? '',
    )}</select></div>
  <div class="field"><label for="f-which">${t('col.counts')}</label>
    <select id="f-which" name="which">${optionList(
      [
        ['all', t('filter.all')],
        ['attributable', t('agent.counts')],
        ['not_attributable', t('agent.notCounts')],
      ],
      q.which,
    )}</select></div>
  <button type="submit">${t('filter.apply')}</button>
</form>
${
  chosen
    ? html`<ul class="cards" aria-label="${chosen.period}">
${scoreCards(ctx, chosen)}
<li><div>${t('col.n')} / ${t('col.effn')}</div><div class="big"><span data-field="n">${f.count(chosen.n)}</span> / <span data-field="effective_n">${f.fixed(chosen.effective_n)}</span></div>
  <div class="hint">${t('col.effn.short')}</div></li>
<li><div>${t('col.resp24')}</div><div class="big">${f.pct(chosen.sla.negative_response_24h.rate)}</div>
  <div class="hint">${t('col.ret48')}${t('colon')}${f.pct(chosen.sla.returns_48h.rate)}</div></li>
</ul>
${historyCharts(ctx, id, q.kind, ratings)}
${aspects(ctx, id, chosen)}
${slaHistory(ctx, ratings)}
<section aria-labelledby="reviews"><h2 id="reviews" tabindex="-1">${t('agent.reviews', { period: chosen.period })}</h2>
<p role="status">${t('results.reviews', { n: f.count(behind?.total ?? 0) })}</p>
${
  behind && behind.items.length > 0
    ? html`<ul class="reviews">${behind.items.map((r) =>
        reviewCard(
          ctx,
          r,
          html`<p class="why">${r.attributable ? html`<span class="badge ok">${t('agent.counts')}</span>` : html`<span class="badge neu">${t('agent.notCounts')}</span>`} ${reasonText(t, r)}</p>${words(ctx, r.explanation)}`,
        ),
      )}</ul>`
    : html`<p class="empty">${t('empty')}</p>`
}
${pager(ctx, { total: behind?.total ?? 0, limit: REVIEWS_PER_PAGE, offset, link: (o) => `/ratings/agents/${encodeURIComponent(id)}${queryString({ ...base, page: o / REVIEWS_PER_PAGE + 1 })}#reviews` })}
</section>`
    : html`<p class="empty">${t('agent.noRatings')}</p>`
}`;
    return sendPage(reply, page(ctx, { title: t('agent.title', { id }), active: '/ratings', body }));
  });
}
