/**
 * Attribution: which part of a review counts toward its agent. One rule, written once in SQL and
 * used by both the aggregation and the per-review reads:
 *
 * - a review with agent-controllable aspects (service attitude, response speed, returns handling)
 *   counts through them: its success is the mean P(positive) of those clauses;
 * - a review with no aspect at all counts through its overall P(positive) when its channel is a
 *   service interaction (chat, after-sales, …), its language was recognised and it names nothing
 *   outside the agent's control that the aspects do not cover (weather, platform rules, a bank
 *   holding a refund: OUTSIDE_CONTROL);
 * - anything else is "not attributable": logistics, product quality, price and packaging mentions
 *   are counted beside the rating, never inside it (also when the review came through chat).
 *
 * A quality lead's correction (migration 013, src/reviews/corrections.ts) comes first: its aspects
 * replace the model's in `rating_facts`; `not_agent` and `excluded` never count; `agent` counts
 * through the corrected agent aspects, else through the overall sentiment whatever the channel.
 */
import { AGENT_CONTROLLABLE, type Aspect } from '../reviews/sentiment/aspects.js';

export const AGENT_ASPECTS = [...AGENT_CONTROLLABLE] as readonly Aspect[];
export const OTHER_ASPECTS: readonly Aspect[] = ['logistics', 'product_quality', 'price', 'packaging'];

/** Channels that are a conversation with an agent (compared lower-case). */
export const SERVICE_CHANNELS: readonly string[] = [
  'chat',
  'im',
  'online_chat',
  'live_chat',
  'wangwang',
  'qianniu',
  'after_sales',
  'aftersales',
  'after-sales',
  'service',
  'customer_service',
  'support',
  'ticket',
  'email',
  'phone',
  'hotline',
  'call',
];

/**
 * Things outside the agent's control that are not one of the aspects (delivery, couriers, product,
 * price and packaging are: their hits already keep a review out of the rating): weather and
 * disasters, the platform's own rules and automatic actions, and banks and payment processors holding a
 * refund (the agent has issued it). A service-channel review with no
 * aspect that names one of them is not charged to the agent through its overall sentiment.
 * A POSIX regular expression, matched case-insensitively (`~*` in SQL, the `i` flag in JS).
 */
export const OUTSIDE_CONTROL =
  '(天气|下雨|暴雨|大雨|台风|下雪|大雪|暴雪|冰雹|疫情|封控|平台规定|平台规则|平台的规定|平台政策|系统自动|自动确认|自动取消|weather|storm|snow|hurricane|typhoon|blizzard|flood|platform polic|platform rule|amazon polic|site polic|marketplace polic|automatically (cancel|confirm|close)|银行|bank|paypal|card issuer|payment processor)';
const OUTSIDE_CONTROL_RE = new RegExp(OUTSIDE_CONTROL, 'i');

/**
 * A review is negative for the 24 h response SLA when the customer gave 1–2 stars, or the model labels
 * it negative and the customer gave no stars or at most 3: the customer's own 4–5 stars outweigh the
 * model (praise the model misreads is not a complaint waiting for an answer). On `reviews r`; the
 * SLA rates, the overdue list, the SLA board and the review search all use this one rule.
 */
export const NEGATIVE_SQL = `(r.rating <= 2 or (r.sentiment_label = 'negative' and coalesce(r.rating, 0) <= 3))`;

const list = (xs: readonly string[]) => xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(', ');

/**
 * Positions in `reviews.rating_facts`, the float8[] that migration 003 derives from a review's
 * aspects whenever they are written (see `rating_review_facts` there).
 */
export const FACT = {
  aspectHits: 1,
  agentP: 2,
  p: { service_attitude: 3, response_speed: 4, returns_handling: 5 } as Record<string, number>,
  mentions: { logistics: 6, product_quality: 8, price: 10, packaging: 12 } as Record<string, number>,
  negative: { logistics: 7, product_quality: 9, price: 11, packaging: 13 } as Record<string, number>,
} as const;

/** `reviews r`'s success weight when the review counts toward its agent, else null. */
export const WEIGHT_SQL = `case
      when r.attribution_override in ('not_agent', 'excluded') then null
      when r.sentiment_model is null then null
      when r.rating_facts[${FACT.agentP}] is not null then r.rating_facts[${FACT.agentP}]
      when r.attribution_override = 'agent' then r.sentiment_probability
      when r.rating_facts[${FACT.aspectHits}] = 0 and lower(r.channel) in (${list(SERVICE_CHANNELS)}) and r.language is distinct from 'other'
        and r.text !~* '${OUTSIDE_CONTROL}' then r.sentiment_probability
    end`;

export type Basis = 'agent_aspects' | 'service_interaction' | 'correction' | null;

/** A review excluded from the rating by a correction: counted neither as evidence nor as not attributable. */
export const EXCLUDED_SQL = `r.attribution_override is not distinct from 'excluded'`;

/**
 * Why a review counts or not, as a stable code (what clients and the console branch on; `reason`
 * is the same in English words and may be reworded).
 */
export const REASON_CODES = [
  'excluded',
  'marked_not_agent',
  'unscored',
  'marked_agent',
  'agent_aspects',
  'service_interaction',
  'other_aspects',
  'language',
  'outside_control',
  'no_service',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

const REASONS: Record<ReasonCode, { attributable: boolean; basis: Basis; reason: string }> = {
  excluded: { attributable: false, basis: 'correction', reason: 'excluded from the rating by a quality lead' },
  marked_not_agent: { attributable: false, basis: 'correction', reason: 'marked not the agent’s by a quality lead' },
  unscored: { attributable: false, basis: null, reason: 'not scored yet' },
  marked_agent: { attributable: true, basis: 'correction', reason: 'marked the agent’s by a quality lead' },
  agent_aspects: {
    attributable: true,
    basis: 'agent_aspects',
    reason: 'mentions service attitude, response speed or returns handling',
  },
  service_interaction: {
    attributable: true,
    basis: 'service_interaction',
    reason: 'overall sentiment of a {channel} interaction',
  },
  other_aspects: {
    attributable: false,
    basis: null,
    reason: 'only aspects the agent does not control (logistics, product, price, packaging)',
  },
  language: { attributable: false, basis: null, reason: 'language not recognised' },
  outside_control: {
    attributable: false,
    basis: null,
    reason: 'no service aspect, and names something outside the agent’s control (weather, platform rules, a bank)',
  },
  no_service: { attributable: false, basis: null, reason: 'no service aspect and not a service interaction channel' },
};

/** Why a review does or does not count, from its stored columns and its weight (WEIGHT_SQL). */
export function explainAttribution(row: {
  sentiment_model: string | null;
  w: number | null;
  agent_p: number | null;
  aspect_hits: number | null;
  channel: string | null;
  language: string | null;
  text?: string | null;
  attribution_override?: string | null;
}): {
  attributable: boolean;
  basis: Basis;
  reason_code: ReasonCode;
  reason: string;
} {
  const code = reasonCode(row);
  const r = REASONS[code];
  return { ...r, reason_code: code, reason: r.reason.replace('{channel}', row.channel ?? '') };
}

function reasonCode(row: Parameters<typeof explainAttribution>[0]): ReasonCode {
  if (row.attribution_override === 'excluded') return 'excluded';
  if (row.attribution_override === 'not_agent') return 'marked_not_agent';
  if (row.sentiment_model === null) return 'unscored';
  if (row.attribution_override === 'agent' && row.agent_p === null && row.w !== null) return 'marked_agent';
  if (row.agent_p !== null) return 'agent_aspects';
  if (row.w !== null) return 'service_interaction';
  if (Number(row.aspect_hits) > 0) return 'other_aspects';
  if (row.language === 'other') return 'language';
  if (row.text && OUTSIDE_CONTROL_RE.test(row.text) && SERVICE_CHANNELS.includes((row.channel ?? '').toLowerCase()))
    return 'outside_control';
  return 'no_service';
}
