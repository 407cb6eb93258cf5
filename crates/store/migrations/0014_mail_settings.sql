-- A restaurant's own email sender, overriding the platform's: its From address alone (on the
-- platform's transport), or its own Resend account or SMTP server. Keys and the SMTP URL (with
-- its password) are sealed with the restaurant's data key and never shown again; the Resend
-- webhook of its own account is verified with its own `whsec_` secret.
CREATE TABLE mail_settings (
  restaurant_id uuid PRIMARY KEY REFERENCES restaurants ON DELETE CASCADE,
  transport text NOT NULL CHECK (transport IN ('platform', 'resend', 'smtp')),
  from_address text CHECK (length(from_address) <= 300),
  resend_key_enc text,
  smtp_url_enc text,
  webhook_secret_enc text,
  updated_at timestamptz NOT NULL,
  CHECK ((transport <> 'resend' OR resend_key_enc IS NOT NULL) AND (transport <> 'smtp' OR smtp_url_enc IS NOT NULL))
);
SELECT make_tenant_table('mail_settings');
