DROP TABLE session_tokens;
DROP TABLE api_keys;
DROP TABLE accounts;
