-- Closed appraisal periods (issue 25). A close freezes one role's period: the JSON text of its KPI
-- inputs, targets (with the overrides in force), ratings and weight profile, with the model versions
-- and the data fingerprint behind them. Every read of a closed role and period answers from the
-- snapshot. A reopen marks the snapshot reopened (who, when, why) and the next close writes a new
-- version; no snapshot is ever deleted or rewritten. The open/closed state is a column of the
-- snapshot row (the only update: state 'closed' -> 'reopened', once).
create table period_snapshots (
  role_id text not null,
  period text not null,
  version integer not null,
  state text not null check (state in ('closed', 'reopened')),
  closed_by text,
  closed_at timestamptz not null default now(),
  reason text,
  reopened_by text,
  reopened_at timestamptz,
  reopen_reason text,
  data_version text not null,
  fingerprint text not null,
  models jsonb not null,
  hashes jsonb not null,
  kpi_inputs text not null,
  targets text not null,
  ratings text not null,
  weight_profile text not null,
  primary key (role_id, period, version)
);
alter table period_snapshots alter column kpi_inputs set storage external;
alter table period_snapshots alter column targets set storage external;
alter table period_snapshots alter column ratings set storage external;
-- at most one closed snapshot of a role and period at a time (two racing closes: one wins)
create unique index period_snapshots_closed on period_snapshots (role_id, period) where state = 'closed';
create index period_snapshots_period on period_snapshots (period) where state = 'closed';
-- closing and reopening change what the reads of that period answer (stored answers, 008)
create trigger read_change after insert or update or delete or truncate on period_snapshots for each statement execute function note_read_change();

-- Overrides beyond the approval threshold (OVERRIDE_APPROVAL_THRESHOLD) wait here for a second HR key;
-- approved ones are applied to target_overrides in the approving transaction. Rows only move from
-- 'pending' to 'approved' or 'rejected'.
create table override_requests (
  id bigserial primary key,
  role_id text not null,
  metric_id text not null,
  period text not null,
  employee_id text not null,
  value double precision not null,
  reason text not null,
  suggested double precision,
  model_version text,
  why text not null,
  state text not null default 'pending' check (state in ('pending', 'approved', 'rejected')),
  requested_by text,
  requested_at timestamptz not null default now(),
  decided_by text,
  decided_at timestamptz,
  decision_reason text
);
create index override_requests_state on override_requests (state, id);
