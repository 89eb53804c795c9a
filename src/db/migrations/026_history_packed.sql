-- A read-optimised copy of kpi_history for the scope reads (src/kpi/series.ts, loadScopeHistory): one row
-- per metric, period kind and period holding the ids of everyone with a value there (sorted, separated
-- by chr(30)) and their values as the 8 bytes of float8send each, in the same order — the aggregate the
-- read used to build from kpi_history on every cold request. Across roles: a reader keeps only its
-- role's people (it reads them from employees), so a change of role changes nothing here.
--
-- Kept exact by the database for every writer of kpi_history (uploads, COPY, daily roll-ups, erasure,
-- restore, seeds, tests, psql): statement triggers with transition tables note the (metric, kind,
-- period) keys a statement touched in kpi_history_touched (no lock, no recompute), and a deferred
-- constraint trigger on that table runs once at COMMIT, as the transaction's last step: it takes one
-- transaction-level advisory lock per touched key, in the order of the lock ids, and recomputes each
-- key's row from kpi_history after its lock. Two transactions writing the same period serialise only
-- there; since every commit of a key's rows passes through that key's lock, the recompute (a fresh
-- READ COMMITTED snapshot, taken after the lock) sees every other committed row of the key, and the
-- locks, taken in one global order at the very end, cannot deadlock with each other or with the row
-- locks the writers took before (a transaction in its last step waits only for another one in its
-- last step). Under REPEATABLE READ or SERIALIZABLE the recompute would read the transaction's own
-- old snapshot, so such a transaction writing kpi_history is refused at commit.
--
-- PGlite: the same triggers (one connection, so the locks never wait).
-- period_start is a function of the period (src/history/period.ts); it is part of the key so the
-- recompute reads kpi_history through kpi_history_metric_period_idx.
create table kpi_history_packed (
  metric_id text not null,
  period_kind text not null,
  period text not null,
  period_start date not null,
  n integer not null,
  ids text not null,
  vals bytea not null,
  primary key (metric_id, period_kind, period)
);
-- read whole on every cold scope read: kept uncompressed (pglz would cost the reads more than it saves)
alter table kpi_history_packed alter column ids set storage external;
alter table kpi_history_packed alter column vals set storage external;

-- The keys a transaction's statements touched, until its commit (its own rows only: inserted and deleted
-- by the same transaction, so never visible to another one; no index, so no two writers meet here).
create unlogged table kpi_history_touched (
  metric_id text not null,
  period_kind text not null,
  period text not null,
  period_start date not null
);

create function kpi_history_touch_new() returns trigger language plpgsql as $$
begin
  insert into kpi_history_touched (metric_id, period_kind, period, period_start)
  select distinct n.metric_id, n.period_kind, n.period, n.period_start from kpi_history_new n
  where not exists (
    select 1 from kpi_history_touched t
    where t.metric_id = n.metric_id and t.period_kind = n.period_kind and t.period = n.period and t.period_start = n.period_start);
  return null;
end
$$;

create function kpi_history_touch_old() returns trigger language plpgsql as $$
begin
  insert into kpi_history_touched (metric_id, period_kind, period, period_start)
  select distinct o.metric_id, o.period_kind, o.period, o.period_start from kpi_history_old o
  where not exists (
    select 1 from kpi_history_touched t
    where t.metric_id = o.metric_id and t.period_kind = o.period_kind and t.period = o.period and t.period_start = o.period_start);
  return null;
end
$$;

-- an UPDATE notes the keys of its rows before and after (a row moved to another period leaves the old one)
create function kpi_history_touch_both() returns trigger language plpgsql as $$
begin
  insert into kpi_history_touched (metric_id, period_kind, period, period_start)
  select distinct x.metric_id, x.period_kind, x.period, x.period_start
    from (select metric_id, period_kind, period, period_start from kpi_history_new
          union all select metric_id, period_kind, period, period_start from kpi_history_old) x
  where not exists (
    select 1 from kpi_history_touched t
    where t.metric_id = x.metric_id and t.period_kind = x.period_kind and t.period = x.period and t.period_start = x.period_start);
  return null;
end
$$;

-- TRUNCATE has no transition table: the copy goes with it (TRUNCATE already locks the table exclusively)
create function kpi_history_truncated() returns trigger language plpgsql as $$
begin
  delete from kpi_history_packed;
  delete from kpi_history_touched;
  return null;
end
$$;

-- At commit, once per transaction that touched a key (the first of its queued events does the work and
-- empties kpi_history_touched; the others find it empty).
create function kpi_history_pack() returns trigger language plpgsql as $$
declare
  k record;
  locked boolean;
begin
  if not exists (select 1 from kpi_history_touched) then
    return null;
  end if;
  if current_setting('transaction_isolation') <> 'read committed' then
    raise exception 'kpi_history is written only under READ COMMITTED (kpi_history_packed is recomputed at commit from the committed rows), not %',
      current_setting('transaction_isolation');
  end if;
  for k in
    select t.metric_id, t.period_kind, t.period, t.period_start,
           hashtextextended(current_schema() || ':kpi_history_packed:' || t.metric_id || ':' || t.period, 0) as lock_id
      from (select distinct metric_id, period_kind, period, period_start from kpi_history_touched) t
     order by lock_id, t.metric_id, t.period, t.period_start
  loop
    -- held to the end of the transaction; a fresh snapshot for each statement below (READ COMMITTED)
    locked := (select true from pg_advisory_xact_lock(k.lock_id));
    insert into kpi_history_packed (metric_id, period_kind, period, period_start, n, ids, vals)
    select k.metric_id, k.period_kind, k.period, k.period_start, count(*)::int,
           string_agg(h.employee_id, chr(30) order by h.employee_id collate "C"),
           string_agg(float8send(h.value), ''::bytea order by h.employee_id collate "C")
      from kpi_history h
     where h.metric_id = k.metric_id and h.period_kind = k.period_kind and h.period_start = k.period_start and h.period = k.period
    having count(*) > 0
    on conflict (metric_id, period_kind, period) do update
      set period_start = excluded.period_start, n = excluded.n, ids = excluded.ids, vals = excluded.vals;
    delete from kpi_history_packed p
     where p.metric_id = k.metric_id and p.period_kind = k.period_kind and p.period = k.period
       and not exists (
         select 1 from kpi_history h
          where h.metric_id = k.metric_id and h.period_kind = k.period_kind and h.period_start = k.period_start
            and h.period = k.period);
  end loop;
  delete from kpi_history_touched;
  return null;
end
$$;

create trigger kpi_history_touch_insert after insert on kpi_history
  referencing new table as kpi_history_new for each statement execute function kpi_history_touch_new();
create trigger kpi_history_touch_update after update on kpi_history
  referencing old table as kpi_history_old new table as kpi_history_new for each statement execute function kpi_history_touch_both();
create trigger kpi_history_touch_delete after delete on kpi_history
  referencing old table as kpi_history_old for each statement execute function kpi_history_touch_old();
create trigger kpi_history_touch_truncate after truncate on kpi_history
  for each statement execute function kpi_history_truncated();
create constraint trigger kpi_history_pack after insert on kpi_history_touched
  deferrable initially deferred for each row execute function kpi_history_pack();

-- the copy of the rows already stored (the triggers above exist first: a writer still running waited for
-- them, and its commit passes through them)
insert into kpi_history_packed (metric_id, period_kind, period, period_start, n, ids, vals)
select metric_id, period_kind, period, min(period_start), count(*)::int,
       string_agg(employee_id, chr(30) order by employee_id collate "C"),
       string_agg(float8send(value), ''::bytea order by employee_id collate "C")
  from kpi_history
 group by metric_id, period_kind, period;
