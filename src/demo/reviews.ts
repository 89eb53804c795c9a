/**
 * Customer reviews tied to CS agents. Volume follows demand; each review mixes clauses about
 * agent-controllable aspects (attitude, response speed, returns), whose sentiment depends on the
 * agent's latent quality, and other aspects (logistics, quality, price, packaging), whose sentiment
 * depends on the business climate only. The star rating follows the clauses with noise.
 */
import type { ReviewInput } from '../history/types.js';
import { logit, sigmoid } from '../lib/maths.js';
import { ramp, type DemoPerson } from './people.js';
import { Rng } from './rng.js';
import { AGENT_ASPECTS, CLAUSES, CLOSERS, OPENERS, type Aspect, type Language, type Polarity } from './templates.js';
import { DAY_MS, isoSeconds, type Timeline, windowEndMs } from './timeline.js';

export type Channel = 'chat' | 'after_sales' | 'product_review';
export const CHANNELS: readonly Channel[] = ['chat', 'after_sales', 'product_review'];
export const CHANNEL_WEIGHTS: readonly number[] = [0.4, 0.25, 0.35];

/** Agent-controllable aspects first (indexes 0–2), matching `AGENT_ASPECTS`. */
const ASPECTS: readonly Aspect[] = [...AGENT_ASPECTS, 'logistics', 'quality', 'price', 'packaging'];
/** Aspect weights per channel, in `ASPECTS` order. */
const ASPECT_WEIGHTS: Readonly<Record<Channel, readonly number[]>> = {
  chat: [0.4, 0.35, 0.05, 0.1, 0.05, 0.05, 0],
  after_sales: [0.2, 0.15, 0.45, 0.1, 0.1, 0, 0],
  product_review: [0.05, 0.05, 0.05, 0.25, 0.35, 0.12, 0.13],
};
/** Probability that a clause about a non-agent aspect is positive in ordinary times. */
const OTHER_POSITIVE: Readonly<Record<Aspect, number>> = {
  attitude: 0,
  speed: 0,
  returns: 0,
  logistics: 0.78,
  quality: 0.75,
  price: 0.72,
  packaging: 0.82,
};
export const NEUTRAL_SHARE = 0.08;
export const ENGLISH_SHARE = 0.15;
/** Share of product reviews not tied to an agent interaction (agent_id null). */
export const UNASSIGNED_PRODUCT_REVIEWS = 0.3;
/** Local (UTC+8) hour-of-day weights for when customers write. */
const HOUR_WEIGHTS = [
  1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.6, 1.2, 2, 3, 4, 4, 3.5, 3.5, 4, 4, 3.5, 3, 3, 3.5, 4.5, 5, 4.5, 2.5,
];

export interface ReviewLabel {
  language: Language;
  aspects: { aspect: Aspect; polarity: Polarity }[];
  /** The agent who served the customer, also when `agent_id` was left empty. */
  served_by: string;
}

export interface GeneratedReviews {
  reviews: ReviewInput[];
  labels: Record<string, ReviewLabel>;
}

function fill(r: Rng, text: string): string {
  return text.replace('{d}', String(r.int(3, 15))).replace('{h}', String(r.int(5, 72)));
}

/** 18-digit order number, like a Taobao/Tmall order id. */
export function orderId(r: Rng): string {
  return `${r.int(1, 4)}${String(r.int(0, 99_999_999)).padStart(8, '0')}${String(r.int(0, 999_999_999)).padStart(9, '0')}`;
}

function compose(r: Rng, lang: Language, clauses: { aspect: Aspect; polarity: Polarity }[], tone: number): string {
  const parts = clauses.map((c) => fill(r, r.pick(CLAUSES[lang][c.aspect][c.polarity])));
  const mood = tone > 0.3 ? 'pos' : tone < -0.3 ? 'neg' : null;
  const opener = mood && r.chance(0.25) ? r.pick(OPENERS[lang][mood]) : r.chance(0.1) ? r.pick(OPENERS[lang].any) : '';
  const closer = mood && r.chance(0.3) ? r.pick(CLOSERS[lang][mood]) : '';
  if (lang === 'zh') {
    const body = parts.join('，') + (closer ? `，${closer}` : '') + (mood === 'neg' && r.chance(0.5) ? '！' : '。');
    return opener + body;
  }
  const body = `${parts.join('. ')}.${closer ? ` ${closer}` : ''}`;
  return opener ? `${opener} ${body}` : body;
}

export function generateReviews(seed: number, agents: readonly DemoPerson[], tl: Timeline): GeneratedReviews {
  type Draft = { ms: number; agent: string; seq: number; review: Omit<ReviewInput, 'id'>; label: ReviewLabel };
  const drafts: Draft[] = [];
  const windowEnd = windowEndMs(tl);
  const n = tl.demand.length;
  for (const a of agents) {
    const r = Rng.from(seed, 'reviews', a.employee.id);
    const from = Math.max(0, a.hireDay - tl.startDay);
    const to = Math.min(n - 1, (a.leaveDay ?? Number.POSITIVE_INFINITY) - tl.startDay);
    let seq = 0;
    for (let i = from; i <= to; i++) {
      const demand = tl.demand[i] as number;
      const stress = tl.stress[i] as number;
      const logistics = tl.logistics[i] as number;
      const count = r.poisson(a.reviewRate * demand ** 0.8);
      for (let k = 0; k < count; k++) {
        const hour = r.weighted(HOUR_WEIGHTS);
        const ms = (tl.startDay + i) * DAY_MS + (hour - 8) * 3_600_000 + r.int(0, 3599) * 1000;
        const channel = CHANNELS[r.weighted(CHANNEL_WEIGHTS)] as Channel;
        const lang: Language = r.chance(ENGLISH_SHARE) ? 'en' : 'zh';
        const weights = [...ASPECT_WEIGHTS[channel]];
        const clauses: { aspect: Aspect; polarity: Polarity }[] = [];
        for (let c = 1 + r.weighted([0.4, 0.4, 0.2]); c > 0; c--) {
          const j = r.weighted(weights);
          weights[j] = 0;
          const aspect = ASPECTS[j] as Aspect;
          let pPos: number;
          if (j < 3) {
            const strain = aspect === 'speed' ? 0.8 * stress : 0.3 * stress;
            pPos = sigmoid(logit(a.quality) - 1.2 * ramp(i - (a.hireDay - tl.startDay)) - strain);
          } else {
            pPos = sigmoid(logit(OTHER_POSITIVE[aspect]) - (aspect === 'logistics' ? logistics : 0.2 * stress));
          }
          const polarity: Polarity = r.chance(NEUTRAL_SHARE) ? 'neu' : r.chance(pPos) ? 'pos' : 'neg';
          clauses.push({ aspect, polarity });
          if (!weights.some((w) => w > 0)) break;
        }
        let s = 0;
        let wsum = 0;
        for (const c of clauses) {
          const w = channel === 'product_review' && c.aspect === 'quality' ? 1.5 : 1;
          s += w * (c.polarity === 'pos' ? 1 : c.polarity === 'neg' ? -1 : 0);
          wsum += w;
        }
        const tone = s / wsum;
        const stars = Math.min(5, Math.max(1, Math.round(3 + 2.2 * tone + r.normal(0, 0.7))));
        const rating = channel === 'chat' && r.chance(0.15) ? null : stars;
        const negative = rating !== null ? rating <= 2 : tone < 0;
        const q = a.quality;
        const replies = r.chance(negative ? 0.75 + 0.23 * q : 0.55 + 0.35 * q);
        const median = (negative ? 3 * Math.exp(-4 * (q - 0.75)) : 8 * Math.exp(-3 * (q - 0.75))) * (1 + stress);
        const delayMs = Math.max(180_000, r.logNormal(median, negative ? 1.1 : 1.0) * 3_600_000);
        const repliedMs = replies ? Math.round((ms + delayMs) / 1000) * 1000 : null;
        const text = compose(r, lang, clauses, tone);
        const agentId = channel === 'product_review' && r.chance(UNASSIGNED_PRODUCT_REVIEWS) ? null : a.employee.id;
        drafts.push({
          ms,
          agent: a.employee.id,
          seq: seq++,
          review: {
            agent_id: agentId,
            order_id: orderId(r),
            channel,
            text,
            rating,
            created_at: isoSeconds(ms),
            replied_at: repliedMs !== null && repliedMs <= windowEnd ? isoSeconds(repliedMs) : null,
          },
          label: { language: lang, aspects: clauses, served_by: a.employee.id },
        });
      }
    }
  }
  drafts.sort((x, y) => x.ms - y.ms || (x.agent < y.agent ? -1 : x.agent > y.agent ? 1 : x.seq - y.seq));
  const reviews: ReviewInput[] = [];
  const labels: Record<string, ReviewLabel> = {};
  drafts.forEach((d, i) => {
    const id = `R${String(i + 1).padStart(6, '0')}`;
    reviews.push({ id, ...d.review });
    labels[id] = d.label;
  });
  return { reviews, labels };
}
