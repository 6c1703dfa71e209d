-- What a key carries besides its rules: the networks it may be used from
-- (allowed_cidrs: normalised CIDRs separated by commas; NULL: anywhere),
-- the owner's identifier for it (external_id) and the owner's data (meta:
-- a JSON object as compact text). Part of the key: versioned and audited.
ALTER TABLE api_keys ADD COLUMN allowed_cidrs TEXT;
ALTER TABLE api_keys ADD COLUMN external_id TEXT;
ALTER TABLE api_keys ADD COLUMN meta TEXT;

-- Key lists filtered by external_id read a page from here in list order
-- (created_at, id). Only keys that have an external_id are in it.
CREATE INDEX api_keys_external_id_idx ON api_keys (account_id, external_id, created_at, id)
    WHERE external_id IS NOT NULL;
