/**
 * One review as the console shows it: its text with the aspect spans highlighted, and its labels.
 * Personal data in the text (phone numbers, addresses, order numbers, names…) is masked before it is
 * shown (src/privacy), the aspect spans moved onto the masked text.
 */
import { maskedOffset } from '../../privacy/index.js';
import type { AspectHit, TokenContribution } from '../../reviews/sentiment/index.js';
import type { Rating } from '../../ratings/rating.js';
import type { Ctx } from '../context.js';
import { type Html, html } from '../html.js';
import { channelName, type MessageKey } from '../messages.js';

/**
 * The text, its personal data masked, with each aspect's span in a <mark> (escaped piece by piece;
 * overlapping spans keep the first).
 */
export function highlighted(ctx: Ctx, raw: string, hits: readonly AspectHit[]): Html {
  const { text, found } = ctx.mask.mask(raw);
  const aspects = hits.map((a) =>
    found.length === 0 || !a.span
      ? a
      : {
          ...a,
          span: {
            ...a.span,
            start: maskedOffset(found, a.span.start, 'start'),
            end: maskedOffset(found, a.span.end, 'end'),
          },
        },
  );
  const spans = aspects
    .filter((a) => a.span && a.span.end > a.span.start && a.span.end <= text.length)
    .sort((a, b) => a.span.start - b.span.start);
  const parts: Html[] = [];
  let at = 0;
  for (const a of spans) {
    if (a.span.start < at) continue;
    parts.push(html`${text.slice(at, a.span.start)}`);
    const tone = a.sentiment === 'negative' ? 'neg' : a.sentiment === 'positive' ? 'pos' : '';
    parts.push(
      html`<mark class="${tone}">${text.slice(a.span.start, a.span.end)}<span class="tag">[${ctx.t(`aspect.${a.aspect}` as MessageKey)}]</span></mark>`,
    );
    at = a.span.end;
  }
  parts.push(html`${text.slice(at)}`);
  return html`${parts}`;
}

export function sentimentBadge(ctx: Ctx, label: string | null, probability: number | null): Html {
  if (!label) return html`<span class="badge neu">${ctx.t('sentiment.none')}</span>`;
  const cls = label === 'negative' ? 'neg' : label === 'positive' ? 'pos' : 'neu';
  const key = `sentiment.${label}` as MessageKey;
  return html`<span class="badge ${cls}">${ctx.t(key)}${probability === null ? '' : ` · ${ctx.t('score.probability')} ${ctx.f.fixed(probability, 2)}`}</span>`;
}

export function words(ctx: Ctx, explanation: readonly TokenContribution[] | undefined): Html {
  if (!explanation || explanation.length === 0) return html``;
  return html`<div class="why"><span>${ctx.t('agent.words')}${ctx.t('colon').trim()}</span>
<ul class="words">${explanation
    .slice(0, 8)
    .map(
      (w) =>
        html`<li class="${w.contribution >= 0 ? 'up' : 'down'}">${ctx.mask.maskText(w.token)} ${w.contribution >= 0 ? '+' : '−'}${Math.abs(w.contribution).toFixed(2)}</li>`,
    )}</ul></div>`;
}

export interface ReviewLike {
  id: string;
  text: string;
  channel: string | null;
  rating: number | null;
  created_at: Date;
  replied_at?: Date | null;
  sentiment_label: string | null;
  sentiment_probability: number | null;
  aspects?: AspectHit[];
  agent_id?: string | null;
}

/** A review text as a page shows it outside a card: personal data masked. */
export const shownText = (ctx: Ctx, text: string): string => ctx.mask.maskText(text);

/**
 * A review card; `extra` adds lines (why it counts, the words that moved its score). `leadLinks: false`
 * (the agent's own page) leaves out the links to the lead's pages (the agent's rating, the corrections).
 */
export function reviewCard(ctx: Ctx, r: ReviewLike, extra: Html = html``, leadLinks = true): Html {
  const { t, f } = ctx;
  return html`<li class="review" data-review="${r.id}">
<div class="head">
  <span>${f.dateTime(r.created_at)}</span>
  ${r.agent_id && leadLinks ? html`<a href="/ratings/agents/${encodeURIComponent(r.agent_id)}">${t('col.agent')} ${r.agent_id}</a>` : ''}
  ${r.channel ? html`<span>${t('col.channel')}${t('colon')}${channelName(t, r.channel)}</span>` : ''}
  ${r.rating !== null ? html`<span>${t('col.rating')}${t('colon')}${r.rating}</span>` : ''}
  ${sentimentBadge(ctx, r.sentiment_label, r.sentiment_probability)}
  ${leadLinks ? html`<a href="/corrections?review=${encodeURIComponent(r.id)}">${t('corr.link')}</a>` : ''}
</div>
<p class="text">${highlighted(ctx, r.text, r.aspects ?? [])}</p>
${extra}
</li>`;
}

/** The score (with its interval) and stars cards of one rating: the first two of the agent drill-down and of the agent's own page. */
export function scoreCards(ctx: Ctx, chosen: Rating): Html {
  const { t, f } = ctx;
  return html`<li><div>${t('col.score')} ${chosen.period}</div><div class="big" data-field="score">${f.fixed(chosen.score)}</div>
  <div class="hint">${t('bar.interval', { low: f.fixed(chosen.interval.low === null ? null : chosen.interval.low * 100), high: f.fixed(chosen.interval.high === null ? null : chosen.interval.high * 100) })}</div></li>
<li><div>${t('col.stars')}</div><div class="big" data-field="stars">${f.fixed(chosen.stars)}</div>
  <div>${chosen.insufficient_evidence ? html`<span class="badge warn">${t('evidence.insufficient')}</span>` : html`<span class="badge ok">${t('evidence.sufficient')}</span>`}</div></li>`;
}
