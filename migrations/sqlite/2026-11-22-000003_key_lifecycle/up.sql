-- Expiry, rotation with a grace period, last use, and the audit trail.
ALTER TABLE api_keys ADD COLUMN expires_at TIMESTAMP;
-- The secret replaced by the last rotation, accepted until previous_secret_until.
ALTER TABLE api_keys ADD COLUMN previous_secret_hash TEXT;
ALTER TABLE api_keys ADD COLUMN previous_secret_until TIMESTAMP;
-- Written in the background, coalesced to about a minute; not a change.
ALTER TABLE api_keys ADD COLUMN last_used_at TIMESTAMP;

-- One row per change of a key, written in the change's transaction. A key's
-- version moves by one with every change, so (key, version) names an event.
CREATE TABLE api_key_events (
    api_key_id TEXT NOT NULL REFERENCES api_keys (id),
    version BIGINT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    kinds TEXT NOT NULL,
    changes TEXT NOT NULL,
    PRIMARY KEY (api_key_id, version)
);
