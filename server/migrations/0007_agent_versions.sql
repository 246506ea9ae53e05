-- Agent versions: every change to an agent stores an immutable snapshot of its authored
-- configuration and of the configuration a session runs (resolved with its harness), a
-- content hash, the version it follows and why it was made (the change reason header).
CREATE TABLE agent_versions (
    id                TEXT PRIMARY KEY,
    agent_id          TEXT NOT NULL,
    version_number    INTEGER NOT NULL,
    semver_major      INTEGER NOT NULL,
    semver_minor      INTEGER NOT NULL,
    semver_patch      INTEGER NOT NULL,
    change_kind       TEXT NOT NULL,
    config_hash       TEXT NOT NULL,
    parent_version_id TEXT,
    source_version_id TEXT,
    summary           TEXT,
    change_reason     TEXT,
    authored_config   TEXT NOT NULL,
    resolved_config   TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    UNIQUE (agent_id, version_number)
);

-- Pinned sessions (one organization, one user: a pin is a flag with its time).
CREATE TABLE session_pins (
    session_id TEXT PRIMARY KEY,
    pinned_at  TEXT NOT NULL
);
