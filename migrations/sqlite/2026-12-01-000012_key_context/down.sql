DROP INDEX api_keys_external_id_idx;
ALTER TABLE api_keys DROP COLUMN meta;
ALTER TABLE api_keys DROP COLUMN external_id;
ALTER TABLE api_keys DROP COLUMN allowed_cidrs;
