-- A conversation knows its guest and the reservation it made, changed or cancelled, so the team
-- sees them beside the transcript and a person's data can be found, exported and erased through
-- their conversations too. Deleting the guest or the reservation unlinks, never deletes.
ALTER TABLE conversations
  ADD COLUMN guest_id uuid,
  ADD COLUMN reservation_id uuid,
  ADD FOREIGN KEY (restaurant_id, guest_id) REFERENCES guests (restaurant_id, id) ON DELETE SET NULL (guest_id),
  ADD FOREIGN KEY (restaurant_id, reservation_id) REFERENCES reservations (restaurant_id, id) ON DELETE SET NULL (reservation_id);
CREATE INDEX conversations_guest ON conversations (restaurant_id, guest_id) WHERE guest_id IS NOT NULL;

-- How long conversations are kept after their last message before they are anonymised, per
-- restaurant (the privacy module's conversation shredder reads it).
ALTER TABLE agent_settings ADD COLUMN retention_days integer NOT NULL DEFAULT 90
  CHECK (retention_days BETWEEN 1 AND 365);
