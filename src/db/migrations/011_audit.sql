-- One audit store for every audited change: target overrides, admin actions (keys, models), quality
-- leads' corrections, growth points, closed periods. Append-only: nothing updates or deletes a row.
-- `before` and `after` are the changed object as JSON (null when it did not exist); the columns
-- role_id … employee_id are filled where the change concerns them, so the audit page filters by them.
create table audit_log (
  id bigserial primary key,
  at timestamptz not null default now(),
  actor text,
  action text not null,
  subject_type text not null,
  subject_id text not null,
  role_id text,
  metric_id text,
  period text,
  employee_id text,
  before jsonb,
  after jsonb,
  reason text,
  detail jsonb not null default '{}'::jsonb
);
create index audit_log_subject on audit_log (subject_type, subject_id, id);
create index audit_log_action on audit_log (action, id);
create index audit_log_actor on audit_log (actor, id);
create index audit_log_role on audit_log (role_id, period, id);
create index audit_log_employee on audit_log (employee_id, id);
create index audit_log_at on audit_log (at);

-- the overrides' own audit table moves in, ids and times kept
insert into audit_log (id, at, actor, action, subject_type, subject_id, role_id, metric_id, period, employee_id, before, after, reason, detail)
select id, at, actor, 'target_override.' || action, 'target_override',
       role_id || '/' || metric_id || '/' || period || '/' || employee_id,
       role_id, metric_id, period, employee_id,
       case when before_value is null then null else jsonb_build_object('value', before_value) end,
       case when after_value is null then null else jsonb_build_object('value', after_value) end,
       reason,
       jsonb_build_object('suggested', suggested, 'model_version', model_version)
from target_audit order by id;
select setval(pg_get_serial_sequence('audit_log', 'id'), greatest((select max(id) from audit_log), 1), (select count(*) > 0 from audit_log));
drop table target_audit;
