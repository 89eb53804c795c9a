-- Hardening (issue 16): API-key lifecycle. A key may carry an expiry (`expires_at`, null = none; a
-- configured KEY_MAX_DAYS fills it at creation). Rotation creates a new key with the same name and
-- scopes (`rotated_from` names the old one) and moves the old key's expiry to the end of a grace
-- period (`replaced_by` names the new one). Verification and console sessions refuse expired keys.
alter table api_keys add column expires_at timestamptz;
alter table api_keys add column replaced_by text;
alter table api_keys add column rotated_from text;
