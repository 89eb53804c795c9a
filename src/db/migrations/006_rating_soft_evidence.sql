-- Soft evidence in the service-ability rating (rating model eb-beta-binomial@2): the sum of squared
-- probabilities lets the fit measure how much a review's P(positive) varies within an agent compared
-- with a yes/no outcome (ρ, per role and period), and each review counts as 1 / ρ trials.
-- Rows written by eb-beta-binomial@1 keep nulls here until ratings are recomputed (the
-- recompute_ratings job without data recomputes every rating); a partial recompute meanwhile
-- estimates ρ from the rows that have Σp².
alter table agent_ratings add column positive_sq double precision; -- Σ P(positive service)² over the attributable reviews
alter table agent_ratings add column prior_rho double precision;   -- ρ of the role and period (1: yes/no labels)
