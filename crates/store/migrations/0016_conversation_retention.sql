-- Conversations are anonymised after their retention (crates/store/src/privacy/messages.rs).
ALTER TABLE deletion_protocol DROP CONSTRAINT deletion_protocol_category_check;
ALTER TABLE deletion_protocol ADD CONSTRAINT deletion_protocol_category_check
  CHECK (category IN ('voice_calls_anonymised', 'voice_events_deleted', 'idempotency_records_deleted',
                      'message_bodies_purged', 'guest_links_deleted', 'inbound_messages_purged',
                      'conversations_anonymised'));
