-- People. A user signs in with an email address and a password and acts on
-- the accounts it is a member of (and their descendants), with the role its
-- membership gives. The address is kept as given and, lower-cased, under a
-- unique index: one user per address, whatever its case. The password is
-- kept only as an argon2id PHC string.
CREATE TABLE users (
    id TEXT NOT NULL PRIMARY KEY,
    email TEXT NOT NULL,
    email_lower TEXT NOT NULL,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_login_at TIMESTAMP
);
CREATE UNIQUE INDEX users_email_idx ON users (email_lower);

-- A user's role on an account. An account's members are listed and paged
-- by (created_at, user_id).
CREATE TABLE memberships (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    role TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (user_id, account_id)
);
CREATE INDEX memberships_account_idx ON memberships (account_id, created_at, user_id);

-- Pending invitations to become a member. The token is shown once, to the
-- owner who invites; only its SHA-256 digest (hex) is kept. Accepting one
-- deletes it.
CREATE TABLE invitations (
    id TEXT NOT NULL PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX invitations_account_idx ON invitations (account_id, created_at, id);

-- Signed-in sessions (the dashboard's cookie). Only the SHA-256 digest of
-- the cookie's token is kept. A session ends at expires_at (its absolute
-- lifetime) or once it has not been seen for the idle lifetime.
CREATE TABLE user_sessions (
    id TEXT NOT NULL PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX user_sessions_user_idx ON user_sessions (user_id);
