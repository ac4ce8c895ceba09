-- The message templates of a Cloud API number's WhatsApp Business Account, as last synced from
-- the Graph API. A sync replaces a number's whole list.
CREATE TABLE message_templates (
    number_id TEXT NOT NULL REFERENCES numbers(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    language TEXT NOT NULL,
    category TEXT NOT NULL,
    status TEXT NOT NULL,
    components TEXT NOT NULL,
    synced_at INTEGER NOT NULL,
    PRIMARY KEY (number_id, name, language)
);
