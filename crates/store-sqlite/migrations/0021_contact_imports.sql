-- Contact imports (issue 17): one row per import, its counters updated in the transaction of
-- each chunk of contacts it writes, its first bad rows (JSON) and outcome stored when it ends.
-- A row still 'running' when the server starts was interrupted: it is marked 'failed'.
CREATE TABLE contact_imports (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    state TEXT NOT NULL,
    file_bytes INTEGER NOT NULL,
    bytes_read INTEGER NOT NULL DEFAULT 0,
    rows_read INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    bad INTEGER NOT NULL DEFAULT 0,
    bad_rows TEXT NOT NULL DEFAULT '[]',
    error TEXT,
    created_at INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX contact_imports_by_workspace ON contact_imports (workspace_id, id);
CREATE INDEX contact_imports_running ON contact_imports (state) WHERE state = 'running';
