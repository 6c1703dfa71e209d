-- When each key last authenticated, apart from the key row. Every instance
-- writes the uses it noted, about once a minute per key in use, in batches:
-- in the key row each write rewrote a wide row (and, on PostgreSQL, every
-- index of it), so 100,000 keys in use cost a write of most of the table
-- each minute. Here a write touches one short row. Only keys ever used have
-- a row. No index on last_used_at: it is read in that order only once, by
-- a starting instance, and an index would double the cost of every write.
CREATE TABLE api_key_last_used (
    api_key_id TEXT PRIMARY KEY NOT NULL REFERENCES api_keys (id),
    last_used_at TIMESTAMP NOT NULL
) WITH (fillfactor = 50);
-- Half of each page is left free, so that rewriting a last use can stay on
-- its page (a heap-only update): no index entry to add, less to vacuum.

INSERT INTO api_key_last_used (api_key_id, last_used_at)
    SELECT id, last_used_at FROM api_keys WHERE last_used_at IS NOT NULL;

DROP INDEX api_keys_last_used_idx;
ALTER TABLE api_keys DROP COLUMN last_used_at;
