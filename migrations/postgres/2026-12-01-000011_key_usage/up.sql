-- Usage analytics: how many times each key was used in each hour (an
-- authentication on Keyward's API or a verify), by outcome (VALID or the
-- verify code it was refused with). hour_start is the start of a UTC hour.
-- Instances add to a row in batches (service::usage); rows older than the
-- retention are deleted by hour_start.
CREATE TABLE api_key_usage (
    api_key_id TEXT NOT NULL REFERENCES api_keys (id),
    hour_start TIMESTAMP NOT NULL,
    outcome TEXT NOT NULL,
    uses BIGINT NOT NULL,
    PRIMARY KEY (api_key_id, hour_start, outcome)
);

CREATE INDEX api_key_usage_hour_idx ON api_key_usage (hour_start);
