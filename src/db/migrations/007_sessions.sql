-- Console sessions (src/web): server-side, so a session survives a restart and is valid on every API
-- process sharing the database. The cookie carries a random token; only its SHA-256 is stored here.
-- A session belongs to the API key it was opened with: its scopes are the key's, read on every request,
-- and a revoked or deleted key ends it.
create table console_sessions (
  id text primary key,
  key_id text not null references api_keys (id) on delete cascade,
  csrf text not null,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index console_sessions_expires_idx on console_sessions (expires_at);
create index console_sessions_key_idx on console_sessions (key_id);
