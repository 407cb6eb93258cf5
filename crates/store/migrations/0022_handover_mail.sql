-- The team's inbox: email the owners and managers when a guest who asked for a person has
-- waited this many minutes without anyone taking the conversation (NULL: no email).
ALTER TABLE agent_settings ADD COLUMN handover_mail_minutes integer
  CHECK (handover_mail_minutes BETWEEN 1 AND 1440);
