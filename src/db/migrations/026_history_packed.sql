-- A read-optimised copy of kpi_history for the scope reads (src/kpi/series.ts, loadScopeHistory): one row
-- per metric, period kind and period holding the ids of everyone with a value there (sorted, separated
-- by chr(30)) and their values as the 8 bytes of float8send each, in the same order — the aggregate the
-- read used to build from kpi_history on every cold request. Across roles: a reader keeps only its
-- role's people (it reads them from employees), so a change of role changes nothing here.
--
-- Kept exact by the database for every writer of kpi_history (uploads, COPY, daily roll-ups, erasure,
-- restore, seeds, tests, psql): statement triggers with transition tables note the (metric, kind,
-- period) keys a statement touched (no lock, no recompute; below), and a deferred constraint trigger
-- runs once at COMMIT, as the transaction's last step: it takes a
-- transaction-level advisory lock per bucket of touched keys, in bucket order, and then recomputes the
-- keys' rows from kpi_history. Two transactions writing the same period serialise only there; since
-- every commit of a key's rows passes through its bucket's lock, the recompute (a fresh READ COMMITTED
-- snapshot, taken after the locks) sees every other committed row of the key, and the
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

-- The keys a transaction's statements touched are kept in the transaction-local setting
-- kpi.history_touched (text: a key's metric, kind, period and start joined by chr(31), keys by chr(30)),
-- not in a table: PGlite runs no VACUUM, so a table of every touched key would keep growing by their
-- dead rows. kpi_history_touched holds one marker row per writing transaction (inserted with its first
-- touched key, deleted at its commit): its insert queues the deferred trigger that packs at commit.
create unlogged table kpi_history_touched (
  xid xid8 not null
);
create index kpi_history_touched_xid on kpi_history_touched (xid);

-- One function for the three statement triggers: the keys of the rows a statement inserted, deleted, or
-- updated (before and after: a row moved to another period leaves the old one) are noted in the setting,
-- and the transaction's first key queues the commit step. The trigger's argument says which transition
-- tables it declares ('new', 'old', 'both'), and each branch names only those (PL/pgSQL plans a statement
-- when it first runs it); an argument rather than TG_OP, whose literals ('INSERT', …) the write clock's
-- scan of trigger bodies (src/db/write-clock.ts) would read as writes.
create function kpi_history_touch() returns trigger language plpgsql as $$
declare
  added text;
  was text;
  done text;
begin
  if tg_argv[0] = 'new' then
    added := (select string_agg(d.metric_id || chr(31) || d.period_kind || chr(31) || d.period || chr(31) || to_char(d.period_start, 'YYYY-MM-DD'), chr(30))
                from (select distinct n.metric_id, n.period_kind, n.period, n.period_start from kpi_history_new n) d);
  elsif tg_argv[0] = 'old' then
    added := (select string_agg(d.metric_id || chr(31) || d.period_kind || chr(31) || d.period || chr(31) || to_char(d.period_start, 'YYYY-MM-DD'), chr(30))
                from (select distinct o.metric_id, o.period_kind, o.period, o.period_start from kpi_history_old o) d);
  else
    added := (select string_agg(x.metric_id || chr(31) || x.period_kind || chr(31) || x.period || chr(31) || to_char(x.period_start, 'YYYY-MM-DD'), chr(30))
                from (select metric_id, period_kind, period, period_start from kpi_history_new
                      union select metric_id, period_kind, period, period_start from kpi_history_old) x);
  end if;
  if added is null then
    return null;
  end if;
  was := coalesce(current_setting('kpi.history_touched', true), '');
  done := set_config('kpi.history_touched', case when was = '' then added else was || chr(30) || added end, true);
  if was = '' then
    insert into kpi_history_touched (xid) values (pg_current_xact_id());
  end if;
  return null;
end
$$;

-- TRUNCATE has no transition table: the copy goes with it (TRUNCATE already locks the table exclusively)
create function kpi_history_truncated() returns trigger language plpgsql as $$
declare
  done text;
begin
  delete from kpi_history_packed;
  done := set_config('kpi.history_touched', '', true);
  return null;
end
$$;

-- At commit, once per transaction that touched a key (its marker's event; a later marker of the same
-- transaction, after a SET CONSTRAINTS … IMMEDIATE, packs what was touched since). The locks are per
-- bucket of keys (256 buckets a schema, a key's bucket from the hash of its metric and period), so an
-- upload touching thousands of periods holds at most 256 of them (the lock table is bounded); two keys
-- in one bucket only serialise more. The recompute is one statement for all the keys, after all the locks.
create function kpi_history_pack() returns trigger language plpgsql as $$
declare
  touched text;
  done text;
  bucket integer;
  locked boolean;
begin
  touched := coalesce(current_setting('kpi.history_touched', true), '');
  done := set_config('kpi.history_touched', '', true);
  delete from kpi_history_touched t where t.xid = new.xid;
  if touched = '' then
    return null;
  end if;
  if current_setting('transaction_isolation') <> 'read committed' then
    raise exception 'kpi_history is written only under READ COMMITTED (kpi_history_packed is recomputed at commit from the committed rows), not %',
      current_setting('transaction_isolation');
  end if;
  for bucket in
    select distinct hashtext(split_part(k, chr(31), 1) || ':' || split_part(k, chr(31), 3)) & 255
      from string_to_table(touched, chr(30)) k order by 1
  loop
    -- held to the end of the transaction; each statement below takes a fresh snapshot (READ COMMITTED)
    locked := (select true from pg_advisory_xact_lock(hashtext(current_schema() || ':kpi_history_packed'), bucket));
  end loop;
  delete from kpi_history_packed p
   using (select distinct split_part(k, chr(31), 1) as metric_id, split_part(k, chr(31), 2) as period_kind, split_part(k, chr(31), 3) as period
            from string_to_table(touched, chr(30)) k) x
   where p.metric_id = x.metric_id and p.period_kind = x.period_kind and p.period = x.period;
  -- a key at a time (LATERAL): its rows come from the index together, so no sort of all the rows
  insert into kpi_history_packed (metric_id, period_kind, period, period_start, n, ids, vals)
  select x.metric_id, x.period_kind, x.period, x.period_start, a.n, a.ids, a.vals
    from (select distinct on (metric_id, period_kind, period) metric_id, period_kind, period, period_start
            from (select split_part(k, chr(31), 1) as metric_id, split_part(k, chr(31), 2) as period_kind,
                         split_part(k, chr(31), 3) as period, split_part(k, chr(31), 4)::date as period_start
                    from string_to_table(touched, chr(30)) k) y
           order by metric_id, period_kind, period, period_start) x
    cross join lateral (
      select count(*)::int as n,
             string_agg(h.employee_id, chr(30) order by h.employee_id collate "C") as ids,
             string_agg(float8send(h.value), ''::bytea order by h.employee_id collate "C") as vals
        from kpi_history h
       where h.metric_id = x.metric_id and h.period_kind = x.period_kind and h.period_start = x.period_start
         and h.period = x.period) a
   where a.n > 0;
  return null;
end
$$;

create trigger kpi_history_touch_insert after insert on kpi_history
  referencing new table as kpi_history_new for each statement execute function kpi_history_touch('new');
create trigger kpi_history_touch_update after update on kpi_history
  referencing old table as kpi_history_old new table as kpi_history_new for each statement execute function kpi_history_touch('both');
create trigger kpi_history_touch_delete after delete on kpi_history
  referencing old table as kpi_history_old for each statement execute function kpi_history_touch('old');
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
