-- A workflow's draft: the edited document not yet published (NULL when there is none). Publishing
-- makes it the next immutable version.
ALTER TABLE workflows ADD COLUMN draft TEXT;
