-- The guest messages' retention (crates/store/src/privacy/messages.rs): message texts are
-- purged after 30 days (the metadata stays: kind, channel, status, times), self-service links
-- are deleted once the visit they open has ended.
ALTER TABLE deletion_protocol DROP CONSTRAINT deletion_protocol_category_check;
ALTER TABLE deletion_protocol ADD CONSTRAINT deletion_protocol_category_check
  CHECK (category IN ('voice_calls_anonymised', 'voice_events_deleted', 'idempotency_records_deleted',
                      'message_bodies_purged', 'guest_links_deleted'));

-- The team's daily digest goes to the members who asked for it, per restaurant.
ALTER TABLE memberships ADD COLUMN daily_digest boolean NOT NULL DEFAULT false;
