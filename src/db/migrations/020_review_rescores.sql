-- A rescore (after a sentiment switch) scores into this table first, in batches, and the reviews' own
-- scores are replaced only once every review of the run is scored: a cancelled or failed rescore leaves
-- the old scores in place, and a retry goes on from the rows staged here (one row per run and review,
-- so it never scores a review twice). `run` names the active sentiment versions the run scores with.
create table review_rescores (
  run text not null,
  review_id text not null references reviews (id) on delete cascade,
  -- the review's updated_at when it was scored: a review changed since (its text) is not applied
  review_updated_at timestamptz not null,
  language text,
  label text,
  probability double precision,
  model text not null,
  aspects jsonb,
  primary key (run, review_id)
);
