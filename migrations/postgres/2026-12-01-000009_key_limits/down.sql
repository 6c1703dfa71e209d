DROP TABLE rate_windows;
DROP TABLE api_key_credits;
ALTER TABLE api_keys DROP COLUMN credits_refill_interval;
ALTER TABLE api_keys DROP COLUMN credits_refill_amount;
ALTER TABLE api_keys DROP COLUMN has_credits;
ALTER TABLE api_keys DROP COLUMN rate_window_seconds;
ALTER TABLE api_keys DROP COLUMN rate_limit;
