-- Token lifetimes (issue 16): when a token stops working (NULL: never) and when it was last used
-- (written at most every few minutes per token, NULL: not since this column exists). A revoked
-- token is deleted. Listing a workspace's tokens and an agent's own reads by workspace.
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
ALTER TABLE api_tokens ADD COLUMN last_used_at INTEGER;
CREATE INDEX api_tokens_by_workspace ON api_tokens (workspace_id, agent_id);
