-- The team's inbox: who answers a conversation. `agent` (the chat agent), `needs_person` (the
-- agent handed over and nobody has taken it yet), `person` (a team member took it over; the
-- agent is paused), `closed`. `team_seen` is the last message position the team has seen
-- (the unread count is the guest's messages after it).
ALTER TABLE conversations
  ADD COLUMN status text NOT NULL DEFAULT 'agent'
    CHECK (status IN ('agent', 'needs_person', 'person', 'closed')),
  ADD COLUMN person_id uuid REFERENCES users ON DELETE SET NULL,
  ADD COLUMN status_at timestamptz,
  ADD COLUMN team_seen integer NOT NULL DEFAULT -1;
UPDATE conversations SET status = 'needs_person', status_at = updated_at
 WHERE outcome = 'handed_over' AND anonymised_at IS NULL;
CREATE INDEX conversations_inbox ON conversations (restaurant_id, status, updated_at DESC);

-- Live updates, as for reservations: ids and the status only, no personal data; delivered at
-- commit. A new message updates its conversation, so this covers messages too. (The team's
-- "seen" mark is written only when it moves, so an open conversation page that reloads on
-- every event does not wake itself.)
CREATE FUNCTION notify_conversation() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM pg_notify('hs_conversations',
    NEW.restaurant_id::text || ' ' || NEW.id::text || ' ' || NEW.status);
  RETURN NULL;
END $$;

CREATE TRIGGER notify AFTER INSERT OR UPDATE ON conversations
  FOR EACH ROW EXECUTE FUNCTION notify_conversation();
