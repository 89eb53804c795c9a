-- Read path: the stored-answer lookup of every polled read (src/services/results-store.ts `lookup`) as
-- one function, so the database plans its two statements once per connection (PL/pgSQL keeps the plans)
-- instead of parsing and planning the query on each read. Same answer as the query it replaces: the
-- current data version (sum(n) || ':' || max(id) of read_changes, 008_read_results.sql) and the stored
-- answer of the key with the version it was computed at (nulls when none is stored).
create function read_result(k text, out current text, out version text, out payload text)
language plpgsql stable as $$
begin
  select coalesce(sum(c.n), 0)::text || ':' || coalesce(max(c.id), 0)::text into current from read_changes c;
  select r.version, r.payload into version, payload from read_results r where r.key = k;
end
$$;
