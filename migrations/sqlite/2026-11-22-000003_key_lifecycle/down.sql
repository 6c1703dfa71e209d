DROP TABLE api_key_events;
ALTER TABLE api_keys DROP COLUMN last_used_at;
ALTER TABLE api_keys DROP COLUMN previous_secret_until;
ALTER TABLE api_keys DROP COLUMN previous_secret_hash;
ALTER TABLE api_keys DROP COLUMN expires_at;
