-- First-class workspaces and memories (docs/workspaces.md).
--
-- A workspace owns a set of files. `file_key` is the owner key of its rows in `files`: the
-- session id for the default workspace a session gets when it is created without one (its id
-- is the session id re-kinded to `wsp_`, and its files were always stored under the session
-- id), the workspace id for a workspace made with `POST /v1/workspaces`. `session_id` names
-- the session of a default workspace (NULL for first-class ones).
CREATE TABLE workspaces (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT,
    status      TEXT NOT NULL,
    file_key    TEXT NOT NULL,
    session_id  TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    archived_at TEXT
);
CREATE INDEX workspaces_created ON workspaces(created_at, id);

-- The workspace a session works in.
ALTER TABLE sessions ADD COLUMN workspace_id TEXT;
CREATE INDEX sessions_workspace ON sessions(workspace_id);

-- Sessions created before this migration keep their files: each gets its default workspace.
INSERT INTO workspaces (id, name, description, status, file_key, session_id, created_at,
                        updated_at, archived_at)
SELECT 'wsp_' || substr(id, 9), 'session-' || substr(id, 9), NULL, 'active', id, id,
       created_at, updated_at, NULL
FROM sessions;
UPDATE sessions SET workspace_id = 'wsp_' || substr(id, 9);

-- Memories: files (stored in `files` under the memory id) mounted read-only into the
-- sessions of the agents that list them in `memory_ids`.
CREATE TABLE memories (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT,
    source_type TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    archived_at TEXT
);
CREATE INDEX memories_created ON memories(created_at, id);
