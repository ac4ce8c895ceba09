-- The first hour (issue 18): human takeover, unread counts, and conversations' dates.
-- Until when automation is paused for a contact because a person (an agent, or the business's
-- own phone) wrote in their conversation; NULL: not paused.
ALTER TABLE contacts ADD COLUMN automation_paused_until INTEGER;
-- How long a takeover pauses automation, in hours (0: a person writing never pauses it).
ALTER TABLE workspaces ADD COLUMN takeover_hours INTEGER NOT NULL DEFAULT 24;
-- The last message read in the dashboard (message ids are time-ordered): inbound messages with a
-- greater id are unread, counted through messages_by_conversation (conversation_id, id).
ALTER TABLE conversations ADD COLUMN read_up_to TEXT NOT NULL DEFAULT '';
