-- Corrections (复核) and appeals (申诉) of a review's attribution (issue 18, parts 4–5).
--
-- A quality lead corrects a review: its aspects (which ones, and each one's polarity), whether it is
-- the agent's, or that it is excluded from the rating; always with a reason. Every correction is one
-- append-only row of review_corrections; the newest one of a review is copied onto the review's own
-- columns (corrected_aspects, attribution_override, correction_id), which the rating reads. Rescoring
-- writes only the model's columns (aspects, sentiment_*), so a correction survives a new model.

create table review_corrections (
  id bigserial primary key,
  review_id text not null references reviews (id) on delete cascade,
  -- the review's aspects as corrected ([{aspect, sentiment, probability, corrected: true, span?}]); null: the model's
  aspects jsonb,
  -- auto: the attribution rule decides; agent: the agent's; not_agent: not the agent's; excluded: left out of the rating
  attribution text not null check (attribution in ('auto', 'agent', 'not_agent', 'excluded')),
  reason text not null,
  actor text,
  -- the accepted appeal this correction carries out
  appeal_id bigint,
  -- what the review showed before (model aspects, previous correction), for the training export and the audit
  before jsonb not null,
  created_at timestamptz not null default now()
);
create index review_corrections_review_idx on review_corrections (review_id, id desc);

alter table reviews add column corrected_aspects jsonb;
alter table reviews add column attribution_override text check (attribution_override in ('agent', 'not_agent', 'excluded'));
alter table reviews add column correction_id bigint;

-- The facts the rating reads come from the review's aspects as corrected: a corrected list replaces
-- the model's; a review marked not the agent's keeps only the aspects the agent does not control; an
-- excluded review has none.
create function rating_review_facts_corrected(aspects jsonb, corrected jsonb, override text) returns double precision[]
language sql immutable parallel safe as $$
  select rating_review_facts(case
    when override = 'excluded' then '[]'::jsonb
    when override = 'not_agent' then coalesce((
      select jsonb_agg(a) from jsonb_array_elements(case when jsonb_typeof(coalesce(corrected, aspects)) = 'array' then coalesce(corrected, aspects) else '[]'::jsonb end) as a
      where a ->> 'aspect' not in ('service_attitude', 'response_speed', 'returns_handling')), '[]'::jsonb)
    else coalesce(corrected, aspects)
  end)
$$;
alter table reviews drop column rating_facts;
alter table reviews add column rating_facts double precision[] generated always as (rating_review_facts_corrected(aspects, corrected_aspects, attribution_override)) stored;

-- Appeals: an agent's objection to how a review was attributed, filed by a lead (for the agent) and
-- decided by a lead. Rows only move from 'pending' to 'accepted' or 'rejected'; an accepted appeal's
-- requested correction is applied in the deciding transaction (correction_id names it).
create table review_appeals (
  id bigserial primary key,
  review_id text not null references reviews (id) on delete cascade,
  agent_id text,
  -- the correction asked for: {aspects?, attribution}
  requested jsonb not null,
  reason text not null,
  state text not null default 'pending' check (state in ('pending', 'accepted', 'rejected')),
  submitted_by text,
  submitted_at timestamptz not null default now(),
  decided_by text,
  decided_at timestamptz,
  decision_reason text,
  correction_id bigint references review_corrections (id)
);
-- one open appeal per review at a time
create unique index review_appeals_pending on review_appeals (review_id) where state = 'pending';
create index review_appeals_state_idx on review_appeals (state, id desc);
create index review_appeals_agent_idx on review_appeals (agent_id, id desc);
