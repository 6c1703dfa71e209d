ALTER TABLE api_keys ADD COLUMN last_used_at TIMESTAMP;
UPDATE api_keys SET last_used_at =
    (SELECT u.last_used_at FROM api_key_last_used u WHERE u.api_key_id = api_keys.id);
CREATE INDEX api_keys_last_used_idx ON api_keys (last_used_at, id);
DROP TABLE api_key_last_used;
