ALTER TABLE session_tokens DROP COLUMN account_suspensions;
DROP INDEX accounts_parent_idx;
ALTER TABLE accounts DROP COLUMN suspensions;
ALTER TABLE accounts DROP COLUMN version;
ALTER TABLE accounts DROP COLUMN modified_by;
ALTER TABLE accounts DROP COLUMN modified_at;
ALTER TABLE accounts DROP COLUMN created_by;
ALTER TABLE accounts DROP COLUMN enabled;
ALTER TABLE accounts DROP COLUMN parent_account_id;
