-- Jobs run by BullMQ workers: the jobs table stays the record every API process reads (also when
-- Redis is down); Redis only delivers. A worker writes a heartbeat while it runs a job, so a
-- reconciler can re-deliver jobs Redis lost (restart without persistence) without doubling live ones.
alter table jobs add column heartbeat_at timestamptz;
alter table jobs add column worker text;
create index jobs_unfinished on jobs (state) where state in ('waiting', 'active');
