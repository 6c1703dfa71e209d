CREATE TABLE accounts (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    description TEXT,
    secret_hash TEXT NOT NULL,
    secret_hint TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    modified_at TIMESTAMP NOT NULL,
    modified_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    revoked_at TIMESTAMP,
    -- Session tokens created at or before this instant are ended: set each
    -- time the key is disabled, so re-enabling it does not revive them.
    tokens_revoked_before TIMESTAMP
);

CREATE UNIQUE INDEX api_keys_account_name_idx ON api_keys (account_id, name);

CREATE TABLE session_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    api_key_id TEXT NOT NULL REFERENCES api_keys (id),
    scope TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE INDEX session_tokens_api_key_idx ON session_tokens (api_key_id);
