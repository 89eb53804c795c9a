-- The target desk's stored tables (src/kpi/desk-store.ts): one role's targets of a metric and period
-- as rows, one a person, with the desk's sort keys and flags as columns, so a desk request sorts,
-- searches and pages in SQL and reads only its page's rows (instead of one answer text of ≈ 6 MB for
-- 10,000 people in read_results, fetched and parsed whole per request).
--
-- Freshness as read_results (008_read_results.sql): a table is stored with the data version read
-- before it was computed and served only while that version is the current one; read_changes is
-- written by the read_change triggers of every table the targets read (008, 012, 014). These tables
-- are answers, not data: no trigger on them. A rebuild gets a new `gen`, and its rows hang on it, so a
-- page read by gen never mixes two builds. No foreign key from the rows to their table: its check per
-- inserted row doubled the time to store 10,000 rows; the store deletes a table's rows with it.
create table desk_tables (
  key text primary key,
  gen bigint generated always as identity unique,
  version text not null,
  head text not null,
  size integer not null,
  computed_at timestamptz not null default now()
);

create table desk_rows (
  gen bigint not null,
  employee_id text collate "C" not null,
  -- the id lower-cased by the service (JavaScript's toLowerCase), for the search
  id_lower text not null,
  target float8,
  suggested float8,
  floor float8,
  actual float8,
  attainment float8,
  width float8,
  below_floor boolean not null,
  cold_start boolean not null,
  overridden boolean not null,
  -- the person's JSON as the API answers it
  row text not null,
  primary key (gen, employee_id)
);

-- The current data version (as read_result, 021_read_lookup.sql) and the stored table of a key, in one call.
create function desk_table(k text, out current text, out gen bigint, out version text, out head text, out size integer)
language plpgsql stable as $$
begin
  select coalesce(sum(c.n), 0)::text || ':' || coalesce(max(c.id), 0)::text into current from read_changes c;
  select t.gen, t.version, t.head, t.size into gen, version, head, size from desk_tables t where t.key = k;
end
$$;
