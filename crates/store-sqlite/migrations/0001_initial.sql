-- waflow's initial schema. Portable SQL: every statement here also runs on PostgreSQL once
-- INTEGER timestamps become BIGINT. Times are UTC milliseconds since the epoch; JSON is TEXT.

CREATE TABLE workspaces (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    time_zone TEXT NOT NULL DEFAULT 'UTC',
    business_hours TEXT NOT NULL DEFAULT '{}',
    holidays TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (workspace_id, email)
);

CREATE TABLE numbers (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    label TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    automation INTEGER NOT NULL DEFAULT 1,
    marketing INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX numbers_by_workspace ON numbers (workspace_id);

CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    phone TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    fields TEXT NOT NULL DEFAULT '{}',
    assigned_agent_id TEXT,
    blocked INTEGER NOT NULL DEFAULT 0,
    excluded INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (workspace_id, phone)
);

CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    number_id TEXT NOT NULL,
    contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    last_message_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (number_id, contact_id)
);
CREATE INDEX conversations_by_workspace ON conversations (workspace_id, last_message_at);

-- Every inbound and outbound message. Outbound messages with status 'queued' are the outbox.
CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    number_id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    direction TEXT NOT NULL,
    message_type TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    channel_message_id TEXT,
    sender_kind TEXT NOT NULL,
    sender_ref TEXT,
    status TEXT NOT NULL,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
-- Dedup: one provider message id is stored (and so processed) once per number.
CREATE UNIQUE INDEX messages_channel_id ON messages (number_id, channel_message_id) WHERE channel_message_id IS NOT NULL AND direction = 'inbound';
CREATE INDEX messages_by_conversation ON messages (conversation_id, id);
CREATE INDEX messages_outbox ON messages (next_attempt_at, id) WHERE status = 'queued';

CREATE TABLE workflows (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    active INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    trigger_type TEXT NOT NULL,
    phrase_key TEXT,
    scope_number_id TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX workflows_by_workspace ON workflows (workspace_id, priority);

-- Immutable documents: a run refers to (workflow_id, version) and finishes on it.
CREATE TABLE workflow_versions (
    workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    document TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (workflow_id, version)
);

CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    workflow_id TEXT NOT NULL,
    workflow_version INTEGER NOT NULL,
    contact_id TEXT NOT NULL,
    number_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    state TEXT NOT NULL,
    current_step TEXT,
    variables TEXT NOT NULL DEFAULT '{}',
    history TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX runs_waiting ON runs (contact_id, number_id) WHERE state = 'waiting';
CREATE INDEX runs_by_workflow ON runs (workflow_id);

-- Durable timers: a step (or a timeout) of a run that is due at due_at. A worker leases a row,
-- executes it and deletes it in the same transaction as the step's effects.
CREATE TABLE due_steps (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL,
    step_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX due_steps_by_time ON due_steps (due_at);
CREATE INDEX due_steps_by_run ON due_steps (run_id);

CREATE TABLE log_entries (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    created_at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    outcome TEXT NOT NULL,
    summary TEXT NOT NULL,
    number_id TEXT,
    contact_id TEXT,
    message_id TEXT,
    workflow_id TEXT,
    run_id TEXT,
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX log_by_time ON log_entries (workspace_id, id);
CREATE INDEX log_by_workflow ON log_entries (workflow_id, id) WHERE workflow_id IS NOT NULL;
CREATE INDEX log_by_contact ON log_entries (contact_id, id) WHERE contact_id IS NOT NULL;
