DROP INDEX api_keys_last_used_idx;
DROP TABLE key_changes;
