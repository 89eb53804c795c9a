-- Baselines service: HR target overrides with their audit log, weight profiles, and a cache of
-- computed per-person forecasts (one row per model version, target period and data fingerprint).

-- A target set by HR instead of the suggested one. employee_id '*' = every person of the role
-- without a personal override.
create table target_overrides (
  role_id text not null,
  metric_id text not null,
  period text not null,
  employee_id text not null,
  value double precision not null,
  reason text not null,
  set_by text,
  set_at timestamptz not null default now(),
  primary key (role_id, metric_id, period, employee_id)
);

-- Every change of an override: who, when, the value before and after (null = none), the suggested
-- target at the time, and why. Never updated or deleted by the service.
create table target_audit (
  id bigserial primary key,
  role_id text not null,
  metric_id text not null,
  period text not null,
  employee_id text not null,
  action text not null check (action in ('set', 'clear')),
  before_value double precision,
  after_value double precision,
  suggested double precision,
  model_version text,
  reason text not null,
  actor text,
  at timestamptz not null default now()
);
create index target_audit_lookup on target_audit (role_id, metric_id, period, employee_id, id);

-- Indicator-group weights (percent, summing to 100). 'default', 'promotion' and 'ordinary' are
-- chosen by the calendar; HR may edit them or add profiles and pin a profile to a period.
create table weight_profiles (
  id text primary key,
  name text not null,
  sales double precision not null check (sales >= 0),
  efficiency double precision not null check (efficiency >= 0),
  customer_experience double precision not null check (customer_experience >= 0),
  innovation double precision not null check (innovation >= 0),
  updated_by text,
  updated_at timestamptz not null default now(),
  check (abs(sales + efficiency + customer_experience + innovation - 100) < 0.01)
);
insert into weight_profiles (id, name, sales, efficiency, customer_experience, innovation) values
  ('default', 'Default (no calendar information for the period)', 40, 30, 20, 10),
  ('promotion', 'Promotion period (618, Double 11, …): leans to sales', 50, 25, 15, 10),
  ('ordinary', 'Ordinary period: leans to customer experience', 35, 30, 25, 10);

create table weight_profile_periods (
  period text primary key,
  profile_id text not null references weight_profiles (id),
  set_by text,
  set_at timestamptz not null default now()
);

-- The latest history change is the cache key of computed forecasts: with this index it is one
-- index lookup instead of a scan of the history.
create index kpi_history_updated_at_idx on kpi_history (updated_at);

-- Computed forecasts of every person of a scope for one target period, as one JSON document.
-- Valid while the fingerprint (history, employees, calendar) matches; stale rows are replaced.
create table baseline_forecast_cache (
  model_id text not null,
  period text not null,
  fingerprint text not null,
  payload text not null,
  computed_at timestamptz not null default now(),
  primary key (model_id, period)
);
-- a few MB of JSON per entry: stored without compression (3x faster to write on PGlite)
alter table baseline_forecast_cache alter column payload set storage external;
