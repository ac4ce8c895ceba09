-- Roles: whether agents may assign unassigned contacts to themselves (off unless an owner turns
-- it on), and the contacts of one agent found without a scan (lists seen by an agent are limited
-- to the contacts assigned to them).
ALTER TABLE workspaces ADD COLUMN agents_may_self_assign INTEGER NOT NULL DEFAULT 0;
CREATE INDEX contacts_by_agent ON contacts (workspace_id, assigned_agent_id) WHERE assigned_agent_id IS NOT NULL;
