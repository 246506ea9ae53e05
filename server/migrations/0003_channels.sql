-- The Agent Execution API: api channels on agents, their agent keys, which caller owns which
-- channel session, short-lived runtime tokens and idempotency records. Portable SQL (TEXT /
-- INTEGER / BIGINT only), timestamps as RFC 3339 UTC text like 0001.

CREATE TABLE agent_channels (
    id           TEXT PRIMARY KEY,
    agent_id     TEXT NOT NULL,
    channel_type TEXT NOT NULL,
    status       TEXT NOT NULL,
    config       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX agent_channels_agent ON agent_channels(agent_id);

-- Only SHA-256 hashes of secrets are stored; `prefix` is a non-secret display prefix.
-- Rotation keeps the id and moves the replaced hash to `previous_hash` until
-- `previous_valid_until`.
CREATE TABLE agent_keys (
    id                   TEXT PRIMARY KEY,
    channel_id           TEXT NOT NULL,
    name                 TEXT NOT NULL,
    prefix               TEXT NOT NULL,
    key_hash             TEXT NOT NULL UNIQUE,
    previous_hash        TEXT,
    previous_valid_until TEXT,
    permissions          TEXT NOT NULL,
    expires_at           TEXT,
    last_used_at         TEXT,
    revoked_at           TEXT,
    created_at           TEXT NOT NULL
);
CREATE INDEX agent_keys_channel ON agent_keys(channel_id);
CREATE INDEX agent_keys_previous ON agent_keys(previous_hash);

-- The caller that started a channel session: the key and the end user it acted for
-- ('' when none). Only that caller reaches the session through the channel.
CREATE TABLE channel_sessions (
    session_id TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL,
    key_id     TEXT NOT NULL,
    end_user   TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX channel_sessions_caller ON channel_sessions(channel_id, key_id, end_user, created_at);

-- Short-lived tokens minted by `POST /v1/channels/{id}/runtime-auth` for one end user.
CREATE TABLE runtime_tokens (
    token_hash TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL,
    key_id     TEXT NOT NULL,
    end_user   TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- `Idempotency-Key` records: the first request's fingerprint and, once answered, its
-- response (status NULL while the first request is still being handled).
CREATE TABLE idempotency_records (
    scope        TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    status       INTEGER,
    body         TEXT,
    created_at   TEXT NOT NULL
);
