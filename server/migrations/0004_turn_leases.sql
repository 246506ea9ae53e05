-- Leased turn tasks (several workers on one database): who holds a turn and until when, the
-- activity that runs next (`input`, `reason`, `act`, `finish`), and a cancel request that
-- reaches the worker holding the turn in another process.
ALTER TABLE turns ADD COLUMN lease_owner TEXT;
ALTER TABLE turns ADD COLUMN lease_until TEXT;
ALTER TABLE turns ADD COLUMN phase TEXT;
ALTER TABLE turns ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
CREATE INDEX turns_session_status ON turns(session_id, status, input_sequence);
