-- Every key list reads an account's keys in (created_at, id) order, and a
-- page after a page key starts at a (created_at, id) position: this index
-- serves both, so a page deep in a long list costs what the first does.
CREATE INDEX api_keys_list_idx ON api_keys (account_id, created_at, id);
