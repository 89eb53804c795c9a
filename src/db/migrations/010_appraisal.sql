-- The rest of the appraisal framework (issue 17): 360° ratings and their stored calibrations, versioned
-- incentive plans and payout previews, growth points (catalogue versions, an append-only ledger with the
-- accounts it leads to), declared cycles per role, and A/B comparison reports.
-- Every write records who (`actor`, the API key id) and when; the hardening issue moves these to its one
-- audit store.

-- 360° feedback: one rating per (period, ratee, rater, item); raters may be people outside the company
-- (customers), so only the ratee is an employee.
create table ratings_360 (
  period text not null,
  ratee text not null references employees (id),
  rater text not null,
  relation text not null,
  item text not null,
  score double precision not null,
  scale_min double precision not null,
  scale_max double precision not null,
  actor text,
  updated_at timestamptz not null default now(),
  primary key (period, ratee, rater, item),
  check (scale_min < scale_max and score >= scale_min and score <= scale_max)
);
create index ratings_360_ratee_idx on ratings_360 (ratee, period);

-- The calibration of a period (src/appraisal/rater.ts), recomputed when its ratings change; `ratings`
-- and `fingerprint` say which ratings it was fitted on.
create table calibrations_360 (
  period text primary key,
  ratings integer not null,
  fingerprint text not null,
  result jsonb not null,
  actor text,
  computed_at timestamptz not null default now()
);

-- Commission plans: versions are immutable (a change is a new version).
create table incentive_plans (
  id text not null,
  version integer not null check (version > 0),
  role_id text not null references roles (id),
  effective_from text not null,
  plan jsonb not null,
  actor text,
  created_at timestamptz not null default now(),
  primary key (id, version)
);
create index incentive_plans_role_idx on incentive_plans (role_id, effective_from);

-- Payout previews as they were evaluated (the payroll export reads them back unchanged).
create table payout_previews (
  id text primary key,
  period text not null,
  request jsonb not null,
  result jsonb not null,
  actor text,
  created_at timestamptz not null default now()
);
create index payout_previews_period_idx on payout_previews (period, created_at);

-- Growth points: the catalogue (tasks, levels, rewards) in versions; the ledger is append-only and
-- never below 0 (the check is the last line of defence; the service refuses first).
create table growth_catalogues (
  version integer primary key check (version > 0),
  catalogue jsonb not null,
  actor text,
  created_at timestamptz not null default now()
);

create table growth_ledger (
  id text primary key,
  employee_id text not null references employees (id),
  seq integer not null check (seq > 0),
  kind text not null check (kind in ('earn', 'spend', 'adjust', 'revoke')),
  task_id text,
  reward_id text,
  revokes text,
  xp integer not null,
  points integer not null,
  xp_after integer not null check (xp_after >= 0),
  balance_after integer not null check (balance_after >= 0),
  catalogue_version integer,
  at timestamptz not null,
  by text,
  source text,
  reason text,
  actor text,
  recorded_at timestamptz not null default now(),
  unique (employee_id, seq)
);
create index growth_ledger_task_idx on growth_ledger (employee_id, task_id) where kind = 'earn';
create index growth_ledger_reward_idx on growth_ledger (reward_id) where kind = 'spend';
create unique index growth_ledger_revokes_idx on growth_ledger (revokes) where kind = 'revoke';

create table growth_accounts (
  employee_id text primary key references employees (id),
  xp integer not null check (xp >= 0),
  balance integer not null check (balance >= 0),
  entries integer not null,
  updated_at timestamptz not null default now()
);

-- The declared cycle of a role: tracked (targets and ratings follow it) and appraised (kpi-inputs and
-- payouts); the year is always the weighted mean of its quarters. roles.cycle keeps the appraised one.
create table role_cycles (
  role_id text primary key references roles (id),
  tracked text not null check (tracked in ('week', 'month', 'quarter')),
  appraised text not null check (appraised in ('month', 'quarter')),
  actor text,
  updated_at timestamptz not null default now()
);

-- A/B comparisons of two target policies or weight profiles: the request, the job and the report.
create table ab_comparisons (
  id text primary key,
  request jsonb not null,
  job_id text,
  state text not null default 'waiting',
  report jsonb,
  error text,
  actor text,
  created_at timestamptz not null default now(),
  finished_at timestamptz
);
