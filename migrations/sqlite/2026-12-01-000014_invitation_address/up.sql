-- An address has one pending invitation to an account at a time; a new one
-- replaces it. email_lower is the address lower-cased (addresses are ASCII,
-- which lower() maps as Keyward does), and the unique index makes two
-- invitations made at the same moment meet instead of both staying.
ALTER TABLE invitations ADD COLUMN email_lower TEXT NOT NULL DEFAULT '';
UPDATE invitations SET email_lower = lower(email);

-- Of earlier duplicates, the newest stays, as it would have replaced the rest.
DELETE FROM invitations
WHERE EXISTS (
    SELECT 1 FROM invitations AS newer
    WHERE newer.account_id = invitations.account_id
      AND newer.email_lower = invitations.email_lower
      AND (newer.created_at > invitations.created_at
           OR (newer.created_at = invitations.created_at AND newer.id > invitations.id))
);

CREATE UNIQUE INDEX invitations_email_idx ON invitations (account_id, email_lower);
