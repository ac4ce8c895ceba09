-- WhatsApp Business Cloud API numbers, their webhook deliveries, and richer messages.

-- The provider's id of the line (the Cloud API's phone_number_id), its non-secret settings (JSON),
-- and its credentials, encrypted by the server with the master key (never stored in clear).
ALTER TABLE numbers ADD COLUMN external_id TEXT;
ALTER TABLE numbers ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
ALTER TABLE numbers ADD COLUMN secrets TEXT;
CREATE UNIQUE INDEX numbers_by_external_id ON numbers (channel, external_id) WHERE external_id IS NOT NULL;

-- Every accepted (signature-checked) webhook delivery, stored before it is acknowledged and
-- processed afterwards; processed_at stays NULL until its messages and statuses are applied.
CREATE TABLE webhook_events (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    number_id TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    body TEXT NOT NULL,
    processed_at INTEGER,
    error TEXT
);
CREATE INDEX webhook_events_pending ON webhook_events (id) WHERE processed_at IS NULL;

-- A message's structured details (media, location, reply ids, ...) and what it replies to.
ALTER TABLE messages ADD COLUMN payload TEXT;
ALTER TABLE messages ADD COLUMN reply_to TEXT;
-- Delivery statuses name our outbound messages by the provider's id.
CREATE INDEX messages_outbound_by_channel_id ON messages (number_id, channel_message_id) WHERE direction = 'outbound' AND channel_message_id IS NOT NULL;
