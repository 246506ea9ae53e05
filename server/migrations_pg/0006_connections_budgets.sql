-- Provider connections: one API key per provider, AES-256-GCM sealed (base64 of nonce ‖
-- ciphertext, bound to the provider name); `key_hint` is the masked last four characters.
CREATE TABLE connections (
    provider   TEXT PRIMARY KEY,
    sealed_key TEXT NOT NULL,
    key_hint   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Spending budgets. Amounts are integers in millionths of the currency unit (`limit_micros`,
-- `consumed_micros`, `soft_limit_micros`), so sums are exact on both databases.
CREATE TABLE budgets (
    id                TEXT PRIMARY KEY,
    subject_type      TEXT NOT NULL,
    subject_id        TEXT NOT NULL,
    currency          TEXT NOT NULL,
    limit_micros      BIGINT NOT NULL,
    consumed_micros   BIGINT NOT NULL DEFAULT 0,
    soft_limit_micros BIGINT,
    status            TEXT NOT NULL,
    warned            BIGINT NOT NULL DEFAULT 0,
    period            TEXT,
    metadata          TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    deleted_at        TEXT
);
CREATE INDEX budgets_subject ON budgets(subject_type, subject_id);

-- Immutable ledger: positive = consumption, negative = credit (top-up).
CREATE TABLE budget_ledger (
    id           TEXT PRIMARY KEY,
    budget_id    TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    amount_micros BIGINT NOT NULL,
    meter_source TEXT NOT NULL,
    description  TEXT,
    ref_id       TEXT,
    ref_type     TEXT,
    session_id   TEXT,
    created_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX budget_ledger_seq ON budget_ledger(budget_id, seq);
-- A metered call is charged once per budget, whatever retries or take-overs happen.
CREATE UNIQUE INDEX budget_ledger_ref ON budget_ledger(budget_id, ref_id);
