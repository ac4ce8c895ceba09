-- AI replies (issue 6): a workspace's provider and business settings, its knowledge, the
-- translation cache, and which run answers a conversation's latest message.
CREATE TABLE ai_settings (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    base_url TEXT NOT NULL,
    model TEXT NOT NULL,
    -- The provider's API key, sealed with the master key (never stored in clear).
    api_key_sealed TEXT,
    auth TEXT NOT NULL DEFAULT 'bearer',
    timeout_ms INTEGER NOT NULL,
    max_tokens INTEGER NOT NULL,
    transcription_model TEXT NOT NULL,
    business_prompt TEXT NOT NULL DEFAULT '',
    -- The language fixed replies are written in (ISO 639-1); NULL: detected from each text.
    language TEXT,
    -- Credits left for AI replies; NULL: no limit.
    credits INTEGER,
    updated_at INTEGER NOT NULL
);

CREATE TABLE knowledge_items (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    -- The uploaded file the item came from: uploading the same name again replaces its items.
    file_name TEXT NOT NULL,
    file_kind TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX knowledge_items_by_file ON knowledge_items (workspace_id, file_name);

CREATE TABLE translations (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    -- sha256 of the source text.
    source_hash TEXT NOT NULL,
    language TEXT NOT NULL,
    translated TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, source_hash, language)
);

-- The run that answers a conversation's messages up to `message_id` with AI: the first run to
-- claim a message answers the burst, the others stand down.
CREATE TABLE ai_answers (
    conversation_id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    claimed_at INTEGER NOT NULL
);
