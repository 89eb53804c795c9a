-- The aspect model that found a review's aspects (issue 18: aspect models in the registry, the
-- `train_aspects` job). A promote or rollback of an aspects version changes no sentiment version, so
-- the rescore it submits finds the reviews to score again by this column: a review needs a rescore when
-- its sentiment model or its aspect model is not the active one of its language. Rows scored before
-- this migration have none (unknown), so the next rescore scores them again.
alter table reviews add column aspects_model text;
alter table review_rescores add column aspects_model text;
