-- Closing a quarter freezes its months for that role (issue 25 with issue 17's cycles): the close of a
-- quarter writes a snapshot of each of its three months too, in the same transaction and from the same
-- state of the data, marked `within` the quarter. Reopening the quarter reopens the months closed with
-- it; such a month cannot be reopened alone while its quarter is closed. A month closed on its own
-- before keeps its own snapshot (`within` null).
alter table period_snapshots add column within text;
