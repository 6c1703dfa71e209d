ALTER TABLE api_keys ADD COLUMN tokens_revoked_before TIMESTAMP;
-- The instant of the last disable is not kept: a disabled key's last change
-- stands in for it, which ends every token minted before that change.
UPDATE api_keys SET tokens_revoked_before = modified_at WHERE disables > 0;
ALTER TABLE session_tokens DROP COLUMN key_disables;
ALTER TABLE api_keys DROP COLUMN disables;
