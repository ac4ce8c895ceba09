-- waflow's schema on PostgreSQL: the end state of the SQLite migrations 0001 to 0022 of
-- crates/store-sqlite/migrations in one, with the same tables, columns (in the same order: a
-- column SQLite added later comes last), defaults, constraints and indexes. A later change to the
-- schema is a new migration here and there alike.
--
-- Types, so the Rust code reads and writes both backends identically:
-- * times are UTC milliseconds since the epoch (BIGINT), as every integer counter;
-- * JSON is TEXT, as in SQLite (the code parses and writes it);
-- * the columns the code binds and reads as `bool` are BOOLEAN: workspaces.agents_may_self_assign,
--   numbers.automation, numbers.marketing, contacts.blocked, contacts.excluded, workflows.active;
-- * every TEXT column compares with the "C" collation, byte by byte as SQLite's BINARY does, so
--   ids order by creation and paginate as on SQLite, whatever the database's locale is;
-- * SQLite's INTEGER PRIMARY KEY AUTOINCREMENT is an identity column.

CREATE TABLE workspaces (
    id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL UNIQUE,
    time_zone TEXT COLLATE "C" NOT NULL DEFAULT 'UTC',
    business_hours TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    holidays TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    created_at BIGINT NOT NULL,
    events_url TEXT COLLATE "C",
    agents_may_self_assign BOOLEAN NOT NULL DEFAULT FALSE,
    opt_out TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    takeover_hours BIGINT NOT NULL DEFAULT 24
);

CREATE TABLE agents (
    id TEXT COLLATE "C" PRIMARY KEY,
    workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id),
    name TEXT COLLATE "C" NOT NULL,
    email TEXT COLLATE "C" NOT NULL,
    role TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    password_hash TEXT COLLATE "C",
    UNIQUE (workspace_id, email)
);

CREATE TABLE api_tokens (
    id TEXT COLLATE "C" PRIMARY KEY,
    workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id),
    name TEXT COLLATE "C" NOT NULL,
    token_hash TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    agent_id TEXT COLLATE "C" REFERENCES agents(id) ON DELETE CASCADE,
    expires_at BIGINT,
    last_used_at BIGINT
);
CREATE INDEX api_tokens_by_workspace ON api_tokens (workspace_id, agent_id);

CREATE TABLE numbers (
    id TEXT COLLATE "C" PRIMARY KEY,
    workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id),
    label TEXT COLLATE "C" NOT NULL,
    channel TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    automation BOOLEAN NOT NULL DEFAULT TRUE,
    marketing BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    external_id TEXT COLLATE "C",
    settings TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    secrets TEXT COLLATE "C",
    status_since BIGINT,
    status_reason TEXT COLLATE "C"
);
CREATE INDEX numbers_by_workspace ON numbers (workspace_id);
CREATE UNIQUE INDEX numbers_by_external_id ON numbers (channel, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE contacts (
    id TEXT COLLATE "C" PRIMARY KEY,
    workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id),
    phone TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL DEFAULT '',
    tags TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    fields TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    assigned_agent_id TEXT COLLATE "C",
    blocked BOOLEAN NOT NULL DEFAULT FALSE,
    excluded BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    wa_user_id TEXT COLLATE "C",
    lists TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    opted_out_at BIGINT,
    automation_paused_until BIGINT,
    UNIQUE (workspace_id, phone)
);
CREATE UNIQUE INDEX contacts_by_wa_user_id ON contacts (workspace_id, wa_user_id) WHERE wa_user_id IS NOT NULL;
CREATE INDEX contacts_by_agent ON contacts (workspace_id, assigned_agent_id) WHERE assigned_agent_id IS NOT NULL;

CREATE TABLE conversations (
    id TEXT COLLATE "C" PRIMARY KEY,
    workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id),
    number_id TEXT COLLATE "C" NOT NULL,
    contact_id TEXT COLLATE "C" NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    last_message_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    read_up_to TEXT COLLATE "C" NOT NULL DEFAULT '',
    UNIQUE (number_id, contact_id)
);
CREATE INDEX conversations_by_workspace ON conversations (workspace_id, id);

-- Every inbound and outbound message. Outbound messages with status 'queued' are the outbox.
CREATE TABLE messages (
    id TEXT COLLATE "C" PRIMARY KEY,
    workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id),
    conversation_id TEXT COLLATE "C" NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    number_id TEXT COLLATE "C" NOT NULL,
    contact_id TEXT COLLATE "C" NOT NULL,
    direction TEXT COLLATE "C" NOT NULL,
    message_type TEXT COLLATE "C" NOT NULL,
    body TEXT COLLATE "C" NOT NULL DEFAULT '',
    channel_message_id TEXT COLLATE "C",
    sender_kind TEXT COLLATE "C" NOT NULL,
    sender_ref TEXT COLLATE "C",
    status TEXT COLLATE "C" NOT NULL,
    error TEXT COLLATE "C",
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    payload TEXT COLLATE "C",
    reply_to TEXT COLLATE "C"
);
-- Dedup: one provider message id is stored (and so processed) once per number.
CREATE UNIQUE INDEX messages_channel_id ON messages (number_id, channel_message_id) WHERE channel_message_id IS NOT NULL AND direction = 'inbound';
CREATE INDEX messages_by_conversation ON messages (conversation_id, id);
CREATE INDEX messages_outbox ON messages (next_attempt_at, id) WHERE status = 'queued';
-- Delivery statuses name our outbound messages by the provider's id.
CREATE INDEX messages_outbound_by_channel_id ON messages (number_id, channel_message_id) WHERE direction = 'outbound' AND channel_message_id IS NOT NULL;
-- The attempt journal's rare states ('sending' until a result is recorded, 'uncertain').
CREATE INDEX messages_unsettled ON messages (status) WHERE status IN ('sending', 'uncertain');

CREATE TABLE workflows (
    id TEXT COLLATE "C" PRIMARY KEY,
    workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id),
    name TEXT COLLATE "C" NOT NULL,
    version BIGINT NOT NULL,
    active BOOLEAN NOT NULL,
    priority BIGINT NOT NULL,
    trigger_type TEXT COLLATE "C" NOT NULL,
    phrase_key TEXT COLLATE "C",
    scope_number_id TEXT COLLATE "C",
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    draft TEXT COLLATE "C"
);
CREATE INDEX workflows_by_workspace ON workflows (workspace_id, priority);

-- Immutable documents: a run refers to (workflow_id, version) and finishes on it.
CREATE TABLE workflow_versions (
    workflow_id TEXT COLLATE "C" NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    document TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (workflow_id, version)
);

CREATE TABLE runs (
    id TEXT COLLATE "C" PRIMARY KEY,
    workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id),
    workflow_id TEXT COLLATE "C" NOT NULL,
    workflow_version BIGINT NOT NULL,
    contact_id TEXT COLLATE "C" NOT NULL,
    number_id TEXT COLLATE "C" NOT NULL,
    conversation_id TEXT COLLATE "C" NOT NULL,
    state TEXT COLLATE "C" NOT NULL,
    current_step TEXT COLLATE "C",
    variables TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    history TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX runs_waiting ON runs (contact_id, number_id) WHERE state = 'waiting';
-- Only live runs need to be found by workflow (to end them when their workflow is deleted).
CREATE INDEX runs_live_by_workflow ON runs (workflow_id) WHERE state IN ('active', 'waiting');

-- Durable timers: a step (or a timeout) of a run that is due at due_at. A worker leases a row,
-- executes it and deletes it in the same transaction as the step's effects.
CREATE TABLE due_steps (
    id TEXT COLLATE "C" PRIMARY KEY,
    run_id TEXT COLLATE "C" NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    workspace_id TEXT COLLATE "C" NOT NULL,
    step_id TEXT COLLATE "C" NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    due_at BIGINT NOT NULL,
    lease_owner TEXT COLLATE "C",
    lease_until BIGINT NOT NULL DEFAULT 0,
    attempts BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX due_steps_by_time ON due_steps (due_at);
CREATE INDEX due_steps_by_run ON due_steps (run_id);

CREATE TABLE log_entries (
    id TEXT COLLATE "C" PRIMARY KEY,
    workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id),
    created_at BIGINT NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    outcome TEXT COLLATE "C" NOT NULL,
    summary TEXT COLLATE "C" NOT NULL,
    number_id TEXT COLLATE "C",
    contact_id TEXT COLLATE "C",
    message_id TEXT COLLATE "C",
    workflow_id TEXT COLLATE "C",
    run_id TEXT COLLATE "C",
    detail TEXT COLLATE "C" NOT NULL DEFAULT '{}'
);
CREATE INDEX log_by_time ON log_entries (workspace_id, id);
CREATE INDEX log_by_workflow ON log_entries (workflow_id, id) WHERE workflow_id IS NOT NULL;
CREATE INDEX log_by_contact ON log_entries (contact_id, id) WHERE contact_id IS NOT NULL;

-- The sets of active workflows the matcher used (immutable once written).
CREATE TABLE workflow_sets (
    id TEXT COLLATE "C" PRIMARY KEY,
    workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id),
    members TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL
);

-- Every accepted (signature-checked) webhook delivery, stored before it is acknowledged and
-- processed afterwards; processed_at stays NULL until its messages and statuses are applied.
CREATE TABLE webhook_events (
    id TEXT COLLATE "C" PRIMARY KEY,
    workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id),
    number_id TEXT COLLATE "C" NOT NULL,
    received_at BIGINT NOT NULL,
    body TEXT COLLATE "C" NOT NULL,
    processed_at BIGINT,
    error TEXT COLLATE "C"
);
CREATE INDEX webhook_events_pending ON webhook_events (id) WHERE processed_at IS NULL;

-- The message templates of a Cloud API number, as last synced (a sync replaces the list).
CREATE TABLE message_templates (
    number_id TEXT COLLATE "C" NOT NULL REFERENCES numbers(id) ON DELETE CASCADE,
    workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id),
    name TEXT COLLATE "C" NOT NULL,
    language TEXT COLLATE "C" NOT NULL,
    category TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    components TEXT COLLATE "C" NOT NULL,
    synced_at BIGINT NOT NULL,
    PRIMARY KEY (number_id, name, language)
);

-- Date-triggered runs that have fired: once per workflow, contact and occurrence (the local day).
CREATE TABLE date_trigger_fires (
    workflow_id TEXT COLLATE "C" NOT NULL,
    contact_id TEXT COLLATE "C" NOT NULL,
    occurrence TEXT COLLATE "C" NOT NULL,
    fired_at BIGINT NOT NULL,
    PRIMARY KEY (workflow_id, contact_id, occurrence)
);

-- Per-workflow (step_id = '') and per-step counters, incremented in the transaction of the work
-- they count.
CREATE TABLE workflow_counters (
    workflow_id TEXT COLLATE "C" NOT NULL,
    step_id TEXT COLLATE "C" NOT NULL,
    counter TEXT COLLATE "C" NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (workflow_id, step_id, counter)
);

-- Notifications for agents, written by notify_agent steps.
CREATE TABLE notifications (
    id TEXT COLLATE "C" PRIMARY KEY,
    workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id),
    agent_id TEXT COLLATE "C",
    contact_id TEXT COLLATE "C" NOT NULL,
    run_id TEXT COLLATE "C",
    text TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_by_workspace ON notifications (workspace_id, id);

-- Tickets opened on contacts; every status they had is in ticket_history.
CREATE TABLE tickets (
    id TEXT COLLATE "C" PRIMARY KEY,
    workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id),
    contact_id TEXT COLLATE "C" NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    number_id TEXT COLLATE "C",
    subject TEXT COLLATE "C" NOT NULL DEFAULT '',
    status TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX tickets_by_contact ON tickets (contact_id, status);
CREATE INDEX tickets_by_workspace ON tickets (workspace_id, id);

CREATE TABLE ticket_history (
    seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    ticket_id TEXT COLLATE "C" NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    status TEXT COLLATE "C" NOT NULL,
    at BIGINT NOT NULL,
    -- Who changed it: 'run', 'agent' or 'api', and which.
    by_kind TEXT COLLATE "C" NOT NULL,
    by_ref TEXT COLLATE "C"
);
CREATE INDEX ticket_history_by_ticket ON ticket_history (ticket_id, seq);

-- Events that start workflows (list_added, ticket_status_changed), written in the transaction
-- that caused them and deleted in the transaction that starts their runs.
CREATE TABLE automation_events (
    seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    workspace_id TEXT COLLATE "C" NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    contact_id TEXT COLLATE "C" NOT NULL,
    number_id TEXT COLLATE "C",
    detail TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL
);

-- A workspace's own workflow templates ("save as template").
CREATE TABLE workflow_templates (
    id TEXT COLLATE "C" PRIMARY KEY,
    workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id),
    name TEXT COLLATE "C" NOT NULL,
    description TEXT COLLATE "C" NOT NULL DEFAULT '',
    document TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX workflow_templates_by_workspace ON workflow_templates (workspace_id, created_at);

-- AI replies: a workspace's provider and business settings, its knowledge, the translation
-- cache, and which run answers a conversation's latest message.
CREATE TABLE ai_settings (
    workspace_id TEXT COLLATE "C" PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    base_url TEXT COLLATE "C" NOT NULL,
    model TEXT COLLATE "C" NOT NULL,
    -- The provider's API key, sealed with the master key (never stored in clear).
    api_key_sealed TEXT COLLATE "C",
    auth TEXT COLLATE "C" NOT NULL DEFAULT 'bearer',
    timeout_ms BIGINT NOT NULL,
    max_tokens BIGINT NOT NULL,
    transcription_model TEXT COLLATE "C" NOT NULL,
    business_prompt TEXT COLLATE "C" NOT NULL DEFAULT '',
    -- The language fixed replies are written in (ISO 639-1); NULL: detected from each text.
    language TEXT COLLATE "C",
    -- Credits left for AI replies; NULL: no limit.
    credits BIGINT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE knowledge_items (
    id TEXT COLLATE "C" PRIMARY KEY,
    workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    -- The uploaded file the item came from: uploading the same name again replaces its items.
    file_name TEXT COLLATE "C" NOT NULL,
    file_kind TEXT COLLATE "C" NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    title TEXT COLLATE "C" NOT NULL,
    text TEXT COLLATE "C" NOT NULL,
    source TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX knowledge_items_by_file ON knowledge_items (workspace_id, file_name);

CREATE TABLE translations (
    workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    -- sha256 of the source text.
    source_hash TEXT COLLATE "C" NOT NULL,
    language TEXT COLLATE "C" NOT NULL,
    translated TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, source_hash, language)
);

-- The run that answers a conversation's messages up to `message_id` with AI.
CREATE TABLE ai_answers (
    conversation_id TEXT COLLATE "C" PRIMARY KEY,
    message_id TEXT COLLATE "C" NOT NULL,
    run_id TEXT COLLATE "C" NOT NULL,
    claimed_at BIGINT NOT NULL
);

-- Edits of inbound messages: what the message was before each edit, oldest first by id.
CREATE TABLE message_edits (
    id TEXT COLLATE "C" PRIMARY KEY,
    workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id),
    message_id TEXT COLLATE "C" NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    -- The stored edit notice that made this change (a message of type 'edit').
    edit_message_id TEXT COLLATE "C" NOT NULL,
    previous_body TEXT COLLATE "C" NOT NULL,
    previous_payload TEXT COLLATE "C",
    edited_at BIGINT NOT NULL
);
CREATE INDEX message_edits_by_message ON message_edits (message_id, id);

-- A message to send at a time: 'pending' until due, then 'queued' with its outbound message;
-- 'cancelled' by a user while pending; 'failed' when it could not be queued.
CREATE TABLE scheduled_messages (
    id TEXT COLLATE "C" PRIMARY KEY,
    workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id),
    number_id TEXT COLLATE "C" NOT NULL,
    phone TEXT COLLATE "C" NOT NULL,
    contact_id TEXT COLLATE "C",
    message_type TEXT COLLATE "C" NOT NULL,
    body TEXT COLLATE "C" NOT NULL,
    content TEXT COLLATE "C",
    fallback TEXT COLLATE "C",
    local_time TEXT COLLATE "C" NOT NULL,
    time_zone TEXT COLLATE "C" NOT NULL,
    due_at BIGINT NOT NULL,
    state TEXT COLLATE "C" NOT NULL,
    error TEXT COLLATE "C",
    message_id TEXT COLLATE "C",
    created_by TEXT COLLATE "C",
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX scheduled_due ON scheduled_messages (due_at) WHERE state = 'pending';
CREATE INDEX scheduled_by_workspace ON scheduled_messages (workspace_id, due_at, id);

CREATE TABLE campaigns (
    id TEXT COLLATE "C" PRIMARY KEY,
    workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id),
    name TEXT COLLATE "C" NOT NULL,
    number_ids TEXT COLLATE "C" NOT NULL,
    audience TEXT COLLATE "C" NOT NULL,
    content TEXT COLLATE "C" NOT NULL,
    state TEXT COLLATE "C" NOT NULL,
    start_at BIGINT NOT NULL,
    expected_seconds BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT
);
CREATE INDEX campaigns_by_workspace ON campaigns (workspace_id, id);
CREATE INDEX campaigns_active ON campaigns (start_at) WHERE state IN ('scheduled', 'sending');

-- One row per contact in a campaign's audience, in sending order (seq).
CREATE TABLE campaign_recipients (
    campaign_id TEXT COLLATE "C" NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    workspace_id TEXT COLLATE "C" NOT NULL,
    contact_id TEXT COLLATE "C" NOT NULL,
    number_id TEXT COLLATE "C" NOT NULL,
    state TEXT COLLATE "C" NOT NULL,
    reason TEXT COLLATE "C",
    message_id TEXT COLLATE "C",
    run_id TEXT COLLATE "C",
    queued_at BIGINT,
    PRIMARY KEY (campaign_id, seq)
);
CREATE INDEX campaign_pending ON campaign_recipients (campaign_id, seq) WHERE state = 'pending';
CREATE INDEX campaign_recipients_by_contact ON campaign_recipients (contact_id);

-- Contact imports: one row per import, its counters updated in the transaction of each chunk.
-- A row still 'running' when the server starts was interrupted: it is marked 'failed'.
CREATE TABLE contact_imports (
    id TEXT COLLATE "C" PRIMARY KEY,
    workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id),
    state TEXT COLLATE "C" NOT NULL,
    file_bytes BIGINT NOT NULL,
    bytes_read BIGINT NOT NULL DEFAULT 0,
    rows_read BIGINT NOT NULL DEFAULT 0,
    created BIGINT NOT NULL DEFAULT 0,
    updated BIGINT NOT NULL DEFAULT 0,
    bad BIGINT NOT NULL DEFAULT 0,
    bad_rows TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    error TEXT COLLATE "C",
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX contact_imports_by_workspace ON contact_imports (workspace_id, id);
CREATE INDEX contact_imports_running ON contact_imports (state) WHERE state = 'running';
