-- Model registry: every trained model version, its artifact and figures; one active per (kind, scope).

create table model_versions (
  id text primary key,                 -- e.g. 'sentiment-zh@3f2a9c1e' or 'baseline:sales_ops:gmv@…'
  kind text not null,                  -- 'sentiment' | 'baseline' | …
  scope text not null,                 -- 'zh', 'en', 'sales_ops:gmv', …
  status text not null default 'candidate' check (status in ('candidate', 'active', 'retired')),
  artifact bytea,                      -- serialised weights (null when shipped in models/)
  metadata jsonb not null default '{}',
  metrics jsonb not null default '{}',
  data_range jsonb,                    -- training data: source, from, to, rows
  job_id text,
  created_at timestamptz not null default now(),
  promoted_at timestamptz,
  retired_at timestamptz
);
create unique index model_versions_one_active on model_versions (kind, scope) where status = 'active';
create index model_versions_kind_scope on model_versions (kind, scope, created_at desc);

create table model_events (
  id bigserial primary key,
  kind text not null,
  scope text not null,
  action text not null check (action in ('register', 'promote', 'rollback', 'retire')),
  from_version text,
  to_version text,
  actor text,
  reason text,
  at timestamptz not null default now()
);

-- Job records for the in-process runner and for results read back by the API on any backend.
create table jobs (
  id text primary key,                 -- deterministic: kind + hash of the request
  kind text not null,
  state text not null check (state in ('waiting', 'active', 'completed', 'failed', 'cancelled')),
  data jsonb not null,
  progress jsonb not null default '{"percent": 0, "stage": "queued"}',
  result jsonb,
  error text,
  attempts integer not null default 0,
  submitted_by text,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz
);
create index jobs_kind_created on jobs (kind, created_at desc);
