-- GET /v1/jobs pages every job newest first, a page after the job its `before` names (keyset on
-- created_at, id); jobs_kind_created serves the same with a kind.
create index jobs_created on jobs (created_at desc, id desc);
