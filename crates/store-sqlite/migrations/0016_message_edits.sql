-- Edits of inbound messages: the original message's body and payload are replaced, and what
-- they were before each edit is kept here, oldest first by id. A revoked (deleted) message keeps
-- its row and body, with status 'deleted'.
CREATE TABLE message_edits (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    -- The stored edit notice that made this change (a message of type 'edit').
    edit_message_id TEXT NOT NULL,
    previous_body TEXT NOT NULL,
    previous_payload TEXT,
    edited_at INTEGER NOT NULL
);
CREATE INDEX message_edits_by_message ON message_edits (message_id, id);
