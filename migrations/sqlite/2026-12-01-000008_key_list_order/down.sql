DROP INDEX api_keys_list_idx;
