-- Meta's business-scoped user id of a contact (WhatsApp usernames, 2026): messages may carry it
-- with or instead of the phone number; it links them to the same contact.
ALTER TABLE contacts ADD COLUMN wa_user_id TEXT;
CREATE UNIQUE INDEX contacts_by_wa_user_id ON contacts (workspace_id, wa_user_id) WHERE wa_user_id IS NOT NULL;
