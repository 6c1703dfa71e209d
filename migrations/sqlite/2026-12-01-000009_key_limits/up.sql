-- Per-key limits. What a key allows is part of the key (versioned, audited):
-- a rate limit of rate_limit uses per rate_window_seconds, and whether it
-- spends credits, with how they refill. How much of them is left is not:
-- spending changes it on every use, so it lives in tables of its own, one
-- short row per key (credits) and per key and window (rate).
ALTER TABLE api_keys ADD COLUMN rate_limit BIGINT;
ALTER TABLE api_keys ADD COLUMN rate_window_seconds BIGINT;
ALTER TABLE api_keys ADD COLUMN has_credits BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN credits_refill_amount BIGINT;
ALTER TABLE api_keys ADD COLUMN credits_refill_interval TEXT;

CREATE TABLE api_key_credits (
    api_key_id TEXT PRIMARY KEY NOT NULL REFERENCES api_keys (id),
    remaining BIGINT NOT NULL,
    -- The last refill, or when remaining was last set by a change.
    refilled_at TIMESTAMP NOT NULL
) WITHOUT ROWID;

-- Uses admitted in each fixed window (window_start: Unix seconds, a
-- multiple of the key's rate_window_seconds). Old windows are pruned.
CREATE TABLE rate_windows (
    api_key_id TEXT NOT NULL REFERENCES api_keys (id),
    window_start BIGINT NOT NULL,
    used BIGINT NOT NULL,
    PRIMARY KEY (api_key_id, window_start)
) WITHOUT ROWID;
