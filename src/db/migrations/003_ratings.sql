-- Service-ability ratings: return events (for the 48 h returns SLA) and one rating row per agent and period.

create table return_events (
  id text primary key,
  agent_id text not null references employees (id),
  order_id text,
  opened_at timestamptz not null,
  closed_at timestamptz,
  ingested_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (closed_at is null or closed_at >= opened_at)
);
create index return_events_agent_opened_idx on return_events (agent_id, opened_at);
create index return_events_opened_idx on return_events (opened_at);

-- Negative reviews still waiting for a reply (the overdue list reads only these).
create index reviews_unreplied_idx on reviews (created_at) where replied_at is null;

-- What a review's aspects say, for attribution, derived once when the review is (re)scored instead of
-- at every recompute (reading the jsonb of a million reviews was most of a recompute's time).
-- Positions, 1-based (src/ratings/attribution.ts names them):
--   1 aspect mentions, 2 mean P(positive) over the agent-controllable clauses (null when none),
--   3–5 mean P(positive) of service_attitude, response_speed, returns_handling clauses (null when none),
--   6–13 mentions and negative mentions of logistics, product_quality, price, packaging.
create function rating_review_facts(aspects jsonb) returns double precision[]
language sql immutable parallel safe as $$
  select array[
    count(*),
    avg((a ->> 'probability')::float8) filter (where a ->> 'aspect' in ('service_attitude', 'response_speed', 'returns_handling')),
    avg((a ->> 'probability')::float8) filter (where a ->> 'aspect' = 'service_attitude'),
    avg((a ->> 'probability')::float8) filter (where a ->> 'aspect' = 'response_speed'),
    avg((a ->> 'probability')::float8) filter (where a ->> 'aspect' = 'returns_handling'),
    count(*) filter (where a ->> 'aspect' = 'logistics'),
    count(*) filter (where a ->> 'aspect' = 'logistics' and a ->> 'sentiment' = 'negative'),
    count(*) filter (where a ->> 'aspect' = 'product_quality'),
    count(*) filter (where a ->> 'aspect' = 'product_quality' and a ->> 'sentiment' = 'negative'),
    count(*) filter (where a ->> 'aspect' = 'price'),
    count(*) filter (where a ->> 'aspect' = 'price' and a ->> 'sentiment' = 'negative'),
    count(*) filter (where a ->> 'aspect' = 'packaging'),
    count(*) filter (where a ->> 'aspect' = 'packaging' and a ->> 'sentiment' = 'negative')
  ]::float8[]
  from jsonb_array_elements(case when jsonb_typeof(aspects) = 'array' then aspects else '[]'::jsonb end) as a
$$;
alter table reviews add column rating_facts double precision[] generated always as (rating_review_facts(aspects)) stored;

-- One row per agent and period (ISO week, month, quarter). Evidence columns are aggregated from the
-- stored reviews and return events in SQL; prior and posterior columns are written right after, in
-- the same transaction, by the role's empirical-Bayes fit. A recompute that finds nothing new
-- changes no row (not even updated_at).
create table agent_ratings (
  agent_id text not null,
  period text not null,
  period_kind text not null check (period_kind in ('week', 'month', 'quarter')),
  period_start date not null,
  role_id text not null,
  reviews integer not null,             -- every review of the agent in the period
  unscored integer not null,            -- not yet scored by the sentiment model (not counted anywhere)
  n integer not null,                   -- attributable reviews (the rating's evidence)
  positive double precision not null,   -- Σ P(positive service) over them (fractional successes)
  not_attributable integer not null,    -- scored reviews about nothing the agent controls
  aspect_n integer[] not null,          -- reviews mentioning service_attitude, response_speed, returns_handling
  aspect_positive double precision[] not null, -- Σ P(positive) of those mentions, same order
  other_mentions integer[] not null,    -- not attributable: mentions of logistics, product_quality, price, packaging
  other_negative integer[] not null,    -- negative mentions, same order
  sentiment_models text[] not null,     -- versions that scored the period's reviews
  negative_reviews integer not null,
  negative_replied_24h integer not null,
  negative_late integer not null,       -- replied after 24 h, or unreplied and older than 24 h
  negative_pending integer not null,    -- unreplied, younger than 24 h (not in the rate yet)
  returns integer not null,
  returns_closed_48h integer not null,
  returns_late integer not null,
  returns_pending integer not null,
  prior_alpha double precision,
  prior_beta double precision,
  prior_method text,
  posterior_mean double precision,
  ci_low double precision,
  ci_high double precision,
  min_reviews integer,
  rating_model text,
  updated_at timestamptz not null default now(),
  primary key (agent_id, period)
);
create index agent_ratings_period_role_idx on agent_ratings (period, role_id, posterior_mean desc);

-- The recompute groups reviews by (agent, ISO week, month, model version); without these statistics
-- the planner guesses a group per review and sorts a million rows instead of hashing 150,000 groups.
create statistics reviews_rating_fragments_stats (ndistinct) on
  agent_id, (date_trunc('week', created_at at time zone 'UTC')::date), (date_trunc('month', created_at at time zone 'UTC')::date), sentiment_model
  from reviews;
