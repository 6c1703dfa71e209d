-- The account a session token was minted on, when not its key's own: an
-- owner key may mint on a descendant's path, and the token then ends when
-- that descendant (or any account above it) is suspended. Its
-- account_suspensions is that account chain's sum. NULL: the key's account.
ALTER TABLE session_tokens ADD COLUMN account_id TEXT;
