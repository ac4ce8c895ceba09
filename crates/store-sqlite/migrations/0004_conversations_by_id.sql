-- Conversations are listed by id (newest first). The index on (workspace_id, last_message_at)
-- served no query and moved on every inbound message: a random index page per message on the
-- intake's write path.
DROP INDEX conversations_by_workspace;
CREATE INDEX conversations_by_workspace ON conversations (workspace_id, id);
