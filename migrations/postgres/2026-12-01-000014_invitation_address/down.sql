DROP INDEX invitations_email_idx;
ALTER TABLE invitations DROP COLUMN email_lower;
