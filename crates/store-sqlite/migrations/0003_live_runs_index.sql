-- Only live runs need to be found by workflow (to end them when their workflow is deleted); most
-- runs finish in the transaction that starts them, and indexing them all cost a random index page
-- per run on the intake's write path.
DROP INDEX runs_by_workflow;
CREATE INDEX runs_live_by_workflow ON runs (workflow_id) WHERE state IN ('active', 'waiting');
