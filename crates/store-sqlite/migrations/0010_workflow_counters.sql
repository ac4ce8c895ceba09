-- Per-workflow (step_id = '') and per-step counters: entered, completed, failed, sent, replied.
-- Incremented in the transaction of the work they count.
CREATE TABLE workflow_counters (
    workflow_id TEXT NOT NULL,
    step_id TEXT NOT NULL,
    counter TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (workflow_id, step_id, counter)
);
