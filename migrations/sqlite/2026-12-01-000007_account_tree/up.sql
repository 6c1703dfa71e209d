-- Accounts form a tree: a parent account's owner keys administer its
-- descendants. An account carries the same bookkeeping as a key, an enabled
-- flag (a suspended account's keys, and its descendants' keys, authenticate
-- nothing), and a counter of suspensions: a session token records the sum
-- of its account chain's counters when it is minted and is valid only while
-- that sum is unchanged, so resuming an account does not revive the tokens
-- its suspension ended (the same rule as api_keys.disables).
ALTER TABLE accounts ADD COLUMN parent_account_id TEXT REFERENCES accounts (id);
ALTER TABLE accounts ADD COLUMN enabled BOOLEAN NOT NULL DEFAULT 1;
ALTER TABLE accounts ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN modified_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
ALTER TABLE accounts ADD COLUMN modified_by TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE accounts ADD COLUMN suspensions BIGINT NOT NULL DEFAULT 0;

-- Accounts made before this were all made by the command line.
UPDATE accounts SET
    created_by = 'crn:' || id || ':cli:keyward',
    modified_by = 'crn:' || id || ':cli:keyward',
    modified_at = created_at;

-- A parent's children, in the order they are listed and paged.
CREATE INDEX accounts_parent_idx ON accounts (parent_account_id, created_at, id);

ALTER TABLE session_tokens ADD COLUMN account_suspensions BIGINT NOT NULL DEFAULT 0;
