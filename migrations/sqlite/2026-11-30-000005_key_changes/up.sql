-- Which key each change touched, numbered by change_epoch: every change
-- takes the counter's row lock, moves it and adds its entry here in one
-- transaction, so entries become visible in number order. Each instance
-- reads past the last entry it has seen and drops the cached state of just
-- those keys. Old entries are pruned as new ones are written.
CREATE TABLE key_changes (
    epoch BIGINT PRIMARY KEY NOT NULL,
    api_key_id TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL
);

-- A restarted instance warms its cache with the most recently used keys,
-- a page at a time, newest first.
CREATE INDEX api_keys_last_used_idx ON api_keys (last_used_at, id);
