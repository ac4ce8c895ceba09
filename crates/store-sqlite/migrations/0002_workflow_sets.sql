-- The sets of active workflows the matcher used, so that a log entry can name the workflows the
-- keyword index skipped from a compact bitmap. Immutable once written.
CREATE TABLE workflow_sets (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    members TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
