-- What a cached forecast set depends on besides its model (src/kpi/targets-store.ts,
-- forecastFingerprint): the history, the people and the calendar. The fingerprint was the latest
-- `updated_at` of those tables, which a transaction stamps when it starts: on PostgreSQL a write that
-- commits after a newer one (or a delete) could leave it unchanged, and a forecast set computed
-- between the two commits would have stayed in use. forecast_changes has one row per committed
-- transaction that wrote one of the three tables (statement-level triggers, as read_changes in
-- migration 008): sum(n) || ':' || max(id) moves with every such commit, a late one included.
create table forecast_changes (
  id bigserial primary key,
  xid text not null unique,
  n bigint not null default 1
);

create function note_forecast_change() returns trigger language plpgsql as $$
begin
  insert into forecast_changes (xid) values (txid_current()::text) on conflict (xid) do nothing;
  return null;
end
$$;

create trigger forecast_change after insert or update or delete or truncate on kpi_history for each statement execute function note_forecast_change();
create trigger forecast_change after insert or update or delete or truncate on employees for each statement execute function note_forecast_change();
create trigger forecast_change after insert or update or delete or truncate on calendar_events for each statement execute function note_forecast_change();
