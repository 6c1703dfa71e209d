DROP TABLE user_sessions;
DROP TABLE invitations;
DROP TABLE memberships;
DROP TABLE users;
