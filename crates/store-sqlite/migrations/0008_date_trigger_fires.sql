-- Date-triggered runs that have fired: once per workflow, contact and occurrence (the local day).
CREATE TABLE date_trigger_fires (
    workflow_id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    occurrence TEXT NOT NULL,
    fired_at INTEGER NOT NULL,
    PRIMARY KEY (workflow_id, contact_id, occurrence)
);
