-- Ending a key's session tokens by counter, not by clock. Every disable
-- advances api_keys.disables; a token records the value it was minted under
-- (in the minting transaction, with the key row locked) and is valid only
-- while the two are equal, so no comparison of instants across instances
-- decides whether a token minted during a disable survives it.
ALTER TABLE api_keys ADD COLUMN disables BIGINT NOT NULL DEFAULT 0;
ALTER TABLE session_tokens ADD COLUMN key_disables BIGINT NOT NULL DEFAULT 0;

-- Keys disabled before: their older tokens stay ended, newer ones stay valid.
UPDATE api_keys SET disables = 1 WHERE tokens_revoked_before IS NOT NULL;
UPDATE session_tokens SET key_disables = 1
WHERE EXISTS (
    SELECT 1 FROM api_keys
    WHERE api_keys.id = session_tokens.api_key_id
      AND api_keys.tokens_revoked_before IS NOT NULL
      AND session_tokens.created_at > api_keys.tokens_revoked_before
);

ALTER TABLE api_keys DROP COLUMN tokens_revoked_before;
