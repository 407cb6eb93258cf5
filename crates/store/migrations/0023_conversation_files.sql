-- Files guests send in the chat (images and PDF, checked by their content, images without
-- their metadata). The bytes live in the file store (local files under the data dir, or an
-- S3-compatible bucket), never here: this row holds the object's key, the sealed name, the
-- kind and the size. Rows go with their conversation's retention (and the `delete_files` job
-- removes the bytes).
CREATE TABLE conversation_files (
  restaurant_id uuid NOT NULL,
  id uuid NOT NULL,
  conversation_id uuid NOT NULL,
  object_key text NOT NULL,
  name_enc text NOT NULL,
  content_type text NOT NULL
    CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp', 'application/pdf')),
  size integer NOT NULL CHECK (size > 0 AND size <= 10485760),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (restaurant_id, id),
  FOREIGN KEY (restaurant_id, conversation_id) REFERENCES conversations (restaurant_id, id) ON DELETE CASCADE
);
CREATE INDEX conversation_files_conversation ON conversation_files (restaurant_id, conversation_id);
SELECT make_tenant_table('conversation_files');
