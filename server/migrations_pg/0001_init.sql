-- Everruns reference server schema, PostgreSQL edition of migrations/0001_init.sql (same tables,
-- columns and meaning; integers are BIGINT so every one reads back as i64, bytes are BYTEA).
-- Timestamps are RFC 3339 UTC text with millisecond precision, JSON documents TEXT.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);

CREATE TABLE harnesses (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    status      TEXT NOT NULL,
    is_built_in BIGINT NOT NULL DEFAULT 0,
    doc         TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE providers (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    provider_type TEXT NOT NULL,
    settings      TEXT NOT NULL DEFAULT '{}',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE models (
    id           TEXT PRIMARY KEY,
    provider_id  TEXT NOT NULL REFERENCES providers(id),
    model_id     TEXT NOT NULL,
    display_name TEXT NOT NULL,
    capabilities TEXT NOT NULL DEFAULT '[]',
    enabled      BIGINT NOT NULL DEFAULT 1,
    is_default   BIGINT NOT NULL DEFAULT 0,
    is_favorite  BIGINT NOT NULL DEFAULT 0,
    source       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE agents (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    status     TEXT NOT NULL,
    doc        TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    agent_id      TEXT,
    harness_id    TEXT NOT NULL,
    status        TEXT NOT NULL,
    title         TEXT,
    doc           TEXT NOT NULL,
    last_sequence BIGINT NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX sessions_agent ON sessions(agent_id);

-- The append-only event log. `sequence` is assigned from sessions.last_sequence inside the
-- appending transaction (DECISIONS #21); `envelope` is the full wire JSON, sent as is over SSE.
CREATE TABLE events (
    id         TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    sequence   BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    ts         TEXT NOT NULL,
    turn_id    TEXT,
    envelope   TEXT NOT NULL,
    UNIQUE (session_id, sequence)
);
CREATE INDEX events_session_type ON events(session_id, event_type, sequence);

CREATE TABLE files (
    id           TEXT PRIMARY KEY,
    session_id   TEXT NOT NULL,
    path         TEXT NOT NULL,
    is_directory BIGINT NOT NULL DEFAULT 0,
    is_readonly  BIGINT NOT NULL DEFAULT 0,
    content      BYTEA,
    size_bytes   BIGINT NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (session_id, path)
);

-- Session key/value storage; namespace is 'kv' or 'secret'.
CREATE TABLE kv_entries (
    session_id TEXT NOT NULL,
    namespace  TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (session_id, namespace, key)
);

-- The durable turn queue: one row per user message that starts a turn.
CREATE TABLE turns (
    id               TEXT PRIMARY KEY,
    session_id       TEXT NOT NULL,
    input_message_id TEXT NOT NULL,
    input_sequence   BIGINT NOT NULL,
    status           TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    retry_at         TEXT,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    started_at       TEXT,
    finished_at      TEXT
);
CREATE INDEX turns_status ON turns(status, session_id, input_sequence);

-- Dev-only llmsim scripts per session; `next_position` is the index a new LLM call gets.
CREATE TABLE llmsim_scripts (
    session_id    TEXT PRIMARY KEY,
    script        TEXT,
    next_position BIGINT NOT NULL DEFAULT 0,
    updated_at    TEXT NOT NULL
);

-- Which reply index each LLM call (turn_id:iteration) claimed, so a retried call repeats it.
CREATE TABLE llmsim_claims (
    session_id TEXT NOT NULL,
    call_key   TEXT NOT NULL,
    position   BIGINT NOT NULL,
    PRIMARY KEY (session_id, call_key)
);
