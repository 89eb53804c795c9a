-- The KPI inputs show each person's calibrated 360 score and follow each role's declared cycle, so
-- writes to the 360 ratings and to the cycles change the data version of the stored answers
-- (008_read_results.sql). calibrations_360 is derived from ratings_360 (computed on read) and is left out.
create trigger read_change after insert or update or delete or truncate on ratings_360 for each statement execute function note_read_change();
create trigger read_change after insert or update or delete or truncate on role_cycles for each statement execute function note_read_change();
