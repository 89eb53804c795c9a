-- Daily grain of imported history (生意参谋, GA4): one value per employee, shop, quantity and day
-- (or per source range: `through` > `day` for a weekly or monthly source row that cannot be split).
-- Periods in kpi_history are rolled up from these days; re-sending a day replaces it (idempotent).
create table kpi_daily (
  employee_id text not null references employees (id) on delete cascade,
  -- '' when the export names no shop
  shop text not null default '',
  metric text not null check (
    metric in ('gmv', 'visitors', 'buyers', 'ad_spend', 'new_customers', 'conversion_rate', 'aov')
  ),
  day date not null,
  through date not null,
  -- null: the export has the column but no value that day (`-`); the day still counts as covered
  value double precision,
  -- conversion_rate and aov only: the weight of the value in a period mean
  weight double precision,
  source text not null,
  updated_at timestamptz not null default now(),
  primary key (employee_id, shop, metric, day),
  check (through >= day)
);
create index kpi_daily_employee_day_idx on kpi_daily (employee_id, day);

-- How many days of a period its value was rolled up from (null: the value was uploaded as a period).
alter table kpi_history add column covered_days integer;
alter table kpi_history add column total_days integer;
