-- The `agent` scope (issue 18, part 4): an API key bound to one agent, who may read their own rating
-- and the reviews counted in it and file appeals (申诉) on those reviews — nothing else. The binding is
-- the key's `agent_id`; a key with the `agent` scope has one and no other scope, and a key without
-- that scope has none (checked here as well as in src/auth/keys.ts). Rotation copies it.
alter table api_keys add column agent_id text references employees (id);
alter table api_keys add constraint api_keys_agent_binding check (
  (agent_id is null and not ('agent' = any (scopes)))
  or (agent_id is not null and scopes = array['agent']::text[])
);
create index api_keys_agent_idx on api_keys (agent_id) where agent_id is not null;
