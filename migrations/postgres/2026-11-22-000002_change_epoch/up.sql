-- One counter, bumped in the same transaction as every change to a key's
-- state. Each instance polls it and drops its cached key state when it moves.
CREATE TABLE change_epoch (
    id INTEGER PRIMARY KEY NOT NULL,
    value BIGINT NOT NULL
);

INSERT INTO change_epoch (id, value) VALUES (1, 0);
