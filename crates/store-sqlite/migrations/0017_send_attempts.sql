-- The attempt journal: an outbound message is 'sending' from just before its provider call until
-- its result is recorded; 'uncertain' when that call was interrupted (found 'sending' at start).
-- Both are rare states, so a small partial index finds them without scanning the messages.
CREATE INDEX messages_unsettled ON messages (status) WHERE status IN ('sending', 'uncertain');
