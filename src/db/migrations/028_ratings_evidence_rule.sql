-- Which evidence rule (src/ratings/evidence.ts, EVIDENCE_RULE: a hash of the query that decides what
-- counts toward an agent) a rating row's evidence was collected by. A start-up finding rows of another
-- rule (or of none, as every row before this migration) recomputes the ratings, as it does for rows of
-- another rating model: an attribution-rule change reaches the stored ratings without waiting for the
-- next upload or recompute job.
alter table agent_ratings add column evidence_rule text;
