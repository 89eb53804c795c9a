import type { Queryable } from '../../src/db/types.js';
import { AGENT_ASPECTS } from '../../src/ratings/attribution.js';

export interface ScoredReview {
  id: string;
  agent: string | null;
  channel?: string | null;
  created: string;
  replied?: string | null;
  rating?: number | null;
  /** overall P(positive) */
  p: number;
  aspects?: Array<[aspect: string, probability: number]>;
  language?: 'zh' | 'en' | 'other';
  model?: string | null;
  text?: string;
}

const labelOf = (p: number) => (p > 0.6 ? 'positive' : p < 0.4 ? 'negative' : 'neutral');

/** Stores reviews as if the sentiment engine had scored them (model `sentiment-zh@test` unless given). */
export async function addScoredReviews(db: Queryable, rows: ScoredReview[]): Promise<void> {
  await db.query(
    `insert into reviews (id, agent_id, channel, text, rating, created_at, replied_at, language, sentiment_label, sentiment_probability, sentiment_model, aspects, scored_at)
     select u.id, u.agent, u.channel, u.text, u.rating, u.created, u.replied, u.language, u.label, u.p, u.model, u.aspects::jsonb, case when u.model is not null then now() end
     from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int2[], $6::timestamptz[], $7::timestamptz[], $8::text[], $9::text[], $10::float8[], $11::text[], $12::text[])
       as u(id, agent, channel, text, rating, created, replied, language, label, p, model, aspects)
     on conflict (id) do update set agent_id = excluded.agent_id, channel = excluded.channel, text = excluded.text, rating = excluded.rating,
       created_at = excluded.created_at, replied_at = excluded.replied_at, language = excluded.language, sentiment_label = excluded.sentiment_label,
       sentiment_probability = excluded.sentiment_probability, sentiment_model = excluded.sentiment_model, aspects = excluded.aspects`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.agent),
      rows.map((r) => (r.channel === undefined ? 'chat' : r.channel)),
      rows.map((r) => r.text ?? `review ${r.id}`),
      rows.map((r) => r.rating ?? null),
      rows.map((r) => r.created),
      rows.map((r) => r.replied ?? null),
      rows.map((r) => r.language ?? 'zh'),
      rows.map((r) => (r.model === null ? null : labelOf(r.p))),
      rows.map((r) => (r.model === null ? null : r.p)),
      rows.map((r) => (r.model === undefined ? 'sentiment-zh@test' : r.model)),
      rows.map((r) =>
        r.model === null
          ? null
          : JSON.stringify(
              (r.aspects ?? []).map(([aspect, probability]) => ({
                aspect,
                agentControllable: (AGENT_ASPECTS as readonly string[]).includes(aspect),
                sentiment: labelOf(probability),
                probability,
                span: { start: 0, end: 1, text: 'x' },
              })),
            ),
      ),
    ],
  );
}

export async function addAgents(db: Queryable, ids: string[], role = 'cs_agent', team = 'east'): Promise<void> {
  await db.query(
    `insert into employees (id, role_id, team) select unnest($1::text[]), $2, $3 on conflict (id) do nothing`,
    [ids, role, team],
  );
}

/** Every rating row, ordered, as plain objects (for comparing whole tables). */
export async function ratingRows(db: Queryable): Promise<unknown[]> {
  return (await db.query('select * from agent_ratings order by agent_id, period')).rows;
}
