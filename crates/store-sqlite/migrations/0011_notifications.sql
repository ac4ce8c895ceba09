-- Notifications for agents, written by notify_agent steps (the dashboard shows them).
CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    agent_id TEXT,
    contact_id TEXT NOT NULL,
    run_id TEXT,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at INTEGER
);
CREATE INDEX notifications_by_workspace ON notifications (workspace_id, id);
