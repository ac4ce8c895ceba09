-- Why a number has its status (e.g. why a linked device is disconnected, until when it is banned).
ALTER TABLE numbers ADD COLUMN status_reason TEXT;
-- Where a workspace's signed event webhooks go (number status changes).
ALTER TABLE workspaces ADD COLUMN events_url TEXT;
