-- Lists a contact is in (like tags: a JSON array of names).
ALTER TABLE contacts ADD COLUMN lists TEXT NOT NULL DEFAULT '[]';

-- Tickets opened on contacts; every status they had is in ticket_history.
CREATE TABLE tickets (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    number_id TEXT,
    subject TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX tickets_by_contact ON tickets (contact_id, status);
CREATE INDEX tickets_by_workspace ON tickets (workspace_id, id);

CREATE TABLE ticket_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    at INTEGER NOT NULL,
    -- Who changed it: 'run', 'agent' or 'api', and which.
    by_kind TEXT NOT NULL,
    by_ref TEXT
);
CREATE INDEX ticket_history_by_ticket ON ticket_history (ticket_id, seq);

-- Events that start workflows (list_added, ticket_status_changed), written in the transaction
-- that caused them and deleted in the transaction that starts their runs.
CREATE TABLE automation_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    number_id TEXT,
    detail TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL
);

-- A workspace's own workflow templates ("save as template").
CREATE TABLE workflow_templates (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    document TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX workflow_templates_by_workspace ON workflow_templates (workspace_id, created_at);

-- Since when a number has its status (numbers disconnected for more than 7 days are removed).
ALTER TABLE numbers ADD COLUMN status_since INTEGER;
