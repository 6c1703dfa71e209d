ALTER TABLE session_tokens DROP COLUMN account_id;
