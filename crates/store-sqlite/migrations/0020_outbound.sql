-- The outbound half: opt-out of marketing, scheduled messages and campaigns.

-- A contact who answered a stop word: campaigns skip them; conversations go on.
ALTER TABLE contacts ADD COLUMN opted_out_at INTEGER;
-- The workspace's stop words and confirmation reply, as JSON ({} = the defaults).
ALTER TABLE workspaces ADD COLUMN opt_out TEXT NOT NULL DEFAULT '{}';

-- A message to send at a time. 'pending' until due; then, in one transaction, its outbound
-- message is queued (message_id) and the row becomes 'queued' — what happens next is the
-- message's status. 'cancelled' by a user while pending; 'failed' when it could not be queued.
CREATE TABLE scheduled_messages (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    number_id TEXT NOT NULL,
    phone TEXT NOT NULL,
    contact_id TEXT,
    message_type TEXT NOT NULL,
    body TEXT NOT NULL,
    content TEXT,
    fallback TEXT,
    local_time TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    error TEXT,
    message_id TEXT,
    created_by TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX scheduled_due ON scheduled_messages (due_at) WHERE state = 'pending';
CREATE INDEX scheduled_by_workspace ON scheduled_messages (workspace_id, due_at, id);

CREATE TABLE campaigns (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    number_ids TEXT NOT NULL,
    audience TEXT NOT NULL,
    content TEXT NOT NULL,
    state TEXT NOT NULL,
    start_at INTEGER NOT NULL,
    expected_seconds INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER
);
CREATE INDEX campaigns_by_workspace ON campaigns (workspace_id, id);
CREATE INDEX campaigns_active ON campaigns (start_at) WHERE state IN ('scheduled', 'sending');

-- One row per contact in a campaign's audience, in sending order (seq). 'pending' until the
-- feeder queues its message (or starts its run) in the same transaction that sets 'queued';
-- 'skipped' with the reason; 'cancelled' with the campaign. Delivery states are the message's.
CREATE TABLE campaign_recipients (
    campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    workspace_id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    number_id TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    message_id TEXT,
    run_id TEXT,
    queued_at INTEGER,
    PRIMARY KEY (campaign_id, seq)
);
CREATE INDEX campaign_pending ON campaign_recipients (campaign_id, seq) WHERE state = 'pending';
CREATE INDEX campaign_recipients_by_contact ON campaign_recipients (contact_id);
