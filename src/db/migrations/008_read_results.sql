-- Read path: computed answers stored for repeated reads (targets, ratings pages, KPI inputs), on top
-- of the per-scope forecasts in baseline_forecast_cache.
--
-- read_changes has one row per committed transaction that wrote any table an answer depends on
-- (statement-level triggers below; no locks: each transaction inserts its own row). The data
-- version is sum(n) || ':' || max(id): sum(n) grows with every committed writing transaction (a late
-- commit with a low id included), and a compaction (many rows folded into one with their n summed)
-- changes max(id). A stored answer is served only while its version is the current one; the
-- version is read before the answer is computed, so an answer is never older than its version.
create table read_changes (
  id bigserial primary key,
  xid text not null unique,
  n bigint not null default 1
);

create function note_read_change() returns trigger language plpgsql as $$
begin
  insert into read_changes (xid) values (txid_current()::text) on conflict (xid) do nothing;
  return null;
end
$$;

create trigger read_change after insert or update or delete or truncate on roles for each statement execute function note_read_change();
create trigger read_change after insert or update or delete or truncate on metrics for each statement execute function note_read_change();
create trigger read_change after insert or update or delete or truncate on employees for each statement execute function note_read_change();
create trigger read_change after insert or update or delete or truncate on kpi_history for each statement execute function note_read_change();
create trigger read_change after insert or update or delete or truncate on calendar_events for each statement execute function note_read_change();
create trigger read_change after insert or update or delete or truncate on model_versions for each statement execute function note_read_change();
create trigger read_change after insert or update or delete or truncate on agent_ratings for each statement execute function note_read_change();
create trigger read_change after insert or update or delete or truncate on target_overrides for each statement execute function note_read_change();
create trigger read_change after insert or update or delete or truncate on weight_profiles for each statement execute function note_read_change();
create trigger read_change after insert or update or delete or truncate on weight_profile_periods for each statement execute function note_read_change();

-- One answer per request key (route, parameters, page), with the data version it was computed at.
create table read_results (
  key text primary key,
  version text not null,
  payload text not null,
  computed_at timestamptz not null default now()
);
alter table read_results alter column payload set storage external;
