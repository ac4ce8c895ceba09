-- Dashboard sign-in: an agent's password (Argon2id PHC string) and the agent a token was issued to.
ALTER TABLE agents ADD COLUMN password_hash TEXT;
ALTER TABLE api_tokens ADD COLUMN agent_id TEXT REFERENCES agents(id) ON DELETE CASCADE;
