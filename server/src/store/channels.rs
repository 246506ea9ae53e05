//! Store of the Agent Execution API: api channels, agent keys (hashes only), channel session
//! owners, runtime tokens and `Idempotency-Key` records (migration `0003_channels.sql`).

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{now, parse_ts, session_from_row, ts, Store, StoreResult};
use everruns_core::{AgentChannel, AgentKey, Session};

/// A stored agent key (without any secret; hashes stay in the store).
#[derive(Debug, Clone)]
pub struct AgentKeyRow {
    /// The management view.
    pub key: AgentKey,
}

/// Who owns a channel session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionOwner {
    /// `appchan_…`.
    pub channel_id: String,
    /// `agentkey_…`.
    pub key_id: String,
    /// The end user (`""` when none).
    pub end_user: String,
}

/// What [`Store::idempotency_begin`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyState {
    /// First use: the caller handles the request, then calls `idempotency_finish`.
    New,
    /// Answered before: replay this status and body.
    Done(u16, String),
    /// The first request with this key is still being handled.
    InFlight,
    /// The key was used with a different request.
    Mismatch,
}

const CHANNEL_COLS: &str =
    "SELECT id, agent_id, channel_type, status, config, created_at, updated_at FROM agent_channels";
const KEY_COLS: &str = "SELECT id, channel_id, name, prefix, permissions, expires_at, \
     previous_valid_until, last_used_at, revoked_at, created_at FROM agent_keys";

fn channel_from_row(r: &AnyRow) -> StoreResult<AgentChannel> {
    let status: String = r.get(3);
    Ok(AgentChannel {
        id: r.get(0),
        agent_id: r.get(1),
        channel_type: r.get(2),
        enabled: status != "disabled",
        status,
        channel_config: serde_json::from_str(&r.get::<String, _>(4))?,
        agent_url: None,
        created_at: parse_ts(&r.get::<String, _>(5)),
        updated_at: parse_ts(&r.get::<String, _>(6)),
    })
}

fn opt_ts(v: Option<String>) -> Option<chrono::DateTime<chrono::Utc>> {
    v.as_deref().map(parse_ts)
}

fn key_from_row(r: &AnyRow) -> StoreResult<AgentKeyRow> {
    Ok(AgentKeyRow {
        key: AgentKey {
            id: r.get(0),
            channel_id: r.get(1),
            name: r.get(2),
            prefix: r.get(3),
            permissions: serde_json::from_str(&r.get::<String, _>(4))?,
            expires_at: opt_ts(r.get(5)),
            previous_valid_until: opt_ts(r.get(6)),
            last_used_at: opt_ts(r.get(7)),
            revoked_at: opt_ts(r.get(8)),
            created_at: parse_ts(&r.get::<String, _>(9)),
        },
    })
}

impl Store {
    // ------------------------------------------------------------------------------ channels

    /// Stores a new channel.
    pub async fn create_channel(&self, c: &AgentChannel) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO agent_channels (id, agent_id, channel_type, status, config, created_at,
                                         updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&c.id)
        .bind(&c.agent_id)
        .bind(&c.channel_type)
        .bind(&c.status)
        .bind(serde_json::to_string(&c.channel_config)?)
        .bind(ts(c.created_at))
        .bind(ts(c.updated_at))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// One channel by id.
    pub async fn get_channel(&self, id: &str) -> StoreResult<Option<AgentChannel>> {
        let row = sqlx::query(&format!("{CHANNEL_COLS} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| channel_from_row(&r)).transpose()
    }

    /// An agent's channels, oldest first.
    pub async fn list_channels(&self, agent_id: &str) -> StoreResult<Vec<AgentChannel>> {
        let rows = sqlx::query(&format!(
            "{CHANNEL_COLS} WHERE agent_id = $1 ORDER BY created_at, id"
        ))
        .bind(agent_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(channel_from_row).collect()
    }

    /// Replaces a channel's status and settings.
    pub async fn update_channel(&self, c: &AgentChannel) -> StoreResult<()> {
        sqlx::query(
            "UPDATE agent_channels SET status = $2, config = $3, updated_at = $4 WHERE id = $1",
        )
        .bind(&c.id)
        .bind(&c.status)
        .bind(serde_json::to_string(&c.channel_config)?)
        .bind(ts(c.updated_at))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Deletes a channel with its keys and runtime tokens (its sessions stay, unreachable
    /// through any channel).
    pub async fn delete_channel(&self, id: &str) -> StoreResult<bool> {
        let mut tx = self.write.begin().await?;
        let n = sqlx::query("DELETE FROM agent_channels WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        for table in ["agent_keys", "runtime_tokens"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE channel_id = $1"))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    // ---------------------------------------------------------------------------- agent keys

    /// Stores a new key (its secret's hash only).
    pub async fn create_agent_key(&self, key: &AgentKey, hash: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO agent_keys (id, channel_id, name, prefix, key_hash, permissions,
                                     expires_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&key.id)
        .bind(&key.channel_id)
        .bind(&key.name)
        .bind(&key.prefix)
        .bind(hash)
        .bind(serde_json::to_string(&key.permissions)?)
        .bind(key.expires_at.map(ts))
        .bind(ts(key.created_at))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// A channel's keys, newest first.
    pub async fn list_agent_keys(&self, channel_id: &str) -> StoreResult<Vec<AgentKey>> {
        let rows = sqlx::query(&format!(
            "{KEY_COLS} WHERE channel_id = $1 ORDER BY created_at DESC, id DESC"
        ))
        .bind(channel_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| key_from_row(r).map(|k| k.key))
            .collect()
    }

    /// One key by id.
    pub async fn get_agent_key(&self, id: &str) -> StoreResult<Option<AgentKey>> {
        let row = sqlx::query(&format!("{KEY_COLS} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.write)
            .await?;
        row.map(|r| key_from_row(&r).map(|k| k.key)).transpose()
    }

    /// The unrevoked, unexpired key whose current secret hashes to `hash`, or whose previous
    /// secret does and is still inside its rotation overlap.
    pub async fn find_agent_key(&self, hash: &str) -> StoreResult<Option<AgentKey>> {
        let t = ts(now());
        let row = sqlx::query(&format!(
            "{KEY_COLS} WHERE (key_hash = $1 OR (previous_hash = $1 AND previous_valid_until > $2))
               AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)"
        ))
        .bind(hash)
        .bind(&t)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| key_from_row(&r).map(|k| k.key)).transpose()
    }

    /// True while key `id` is neither revoked nor expired (long-lived streams re-check it).
    pub async fn agent_key_active(&self, id: &str) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT id FROM agent_keys WHERE id = $1 AND revoked_at IS NULL
               AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(id)
        .bind(ts(now()))
        .fetch_optional(&self.read)
        .await?;
        Ok(row.is_some())
    }

    /// Replaces a key's secret: the old hash keeps working until `previous_valid_until`.
    pub async fn rotate_agent_key(
        &self,
        id: &str,
        new_hash: &str,
        new_prefix: &str,
        previous_valid_until: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<bool> {
        let n = sqlx::query(
            "UPDATE agent_keys SET previous_hash = key_hash, previous_valid_until = $2,
                    key_hash = $3, prefix = $4
             WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(id)
        .bind(ts(previous_valid_until))
        .bind(new_hash)
        .bind(new_prefix)
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Revokes a key (both secrets) and its runtime tokens; false when unknown or revoked.
    pub async fn revoke_agent_key(&self, id: &str) -> StoreResult<bool> {
        let mut tx = self.write.begin().await?;
        let n = sqlx::query(
            "UPDATE agent_keys SET revoked_at = $2, previous_hash = NULL,
                    previous_valid_until = NULL
             WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(id)
        .bind(ts(now()))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query("DELETE FROM runtime_tokens WHERE key_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Sets `last_used_at` of key `id` to now.
    pub async fn touch_agent_key(&self, id: &str) -> StoreResult<()> {
        sqlx::query("UPDATE agent_keys SET last_used_at = $2 WHERE id = $1")
            .bind(id)
            .bind(ts(now()))
            .execute(&self.write)
            .await?;
        Ok(())
    }

    // ----------------------------------------------------------------------- channel sessions

    /// Records which caller started a channel session.
    pub async fn set_session_owner(&self, session_id: &str, o: &SessionOwner) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO channel_sessions (session_id, channel_id, key_id, end_user, created_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(session_id)
        .bind(&o.channel_id)
        .bind(&o.key_id)
        .bind(&o.end_user)
        .bind(ts(now()))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The caller that started `session_id` through a channel, if any.
    pub async fn session_owner(&self, session_id: &str) -> StoreResult<Option<SessionOwner>> {
        let row = sqlx::query(
            "SELECT channel_id, key_id, end_user FROM channel_sessions WHERE session_id = $1",
        )
        .bind(session_id)
        .fetch_optional(&self.write)
        .await?;
        Ok(row.map(|r| SessionOwner {
            channel_id: r.get(0),
            key_id: r.get(1),
            end_user: r.get(2),
        }))
    }

    /// One caller's sessions, most recently updated first: `limit` of them after `offset`.
    pub async fn list_owned_sessions(
        &self,
        o: &SessionOwner,
        offset: u64,
        limit: u64,
    ) -> StoreResult<Vec<Session>> {
        let rows = sqlx::query(
            "SELECT s.doc, s.status, s.updated_at FROM sessions s
               JOIN channel_sessions c ON c.session_id = s.id
             WHERE c.channel_id = $1 AND c.key_id = $2 AND c.end_user = $3
             ORDER BY s.updated_at DESC, s.id DESC LIMIT $4 OFFSET $5",
        )
        .bind(&o.channel_id)
        .bind(&o.key_id)
        .bind(&o.end_user)
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(session_from_row).collect()
    }

    /// Status of the session's last finished turn (`completed`, `failed`, `cancelled`).
    pub async fn last_turn_status(&self, session_id: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query(
            "SELECT status FROM turns WHERE session_id = $1
               AND status IN ('completed', 'failed', 'cancelled')
             ORDER BY input_sequence DESC LIMIT 1",
        )
        .bind(session_id)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(|r| r.get(0)))
    }

    // ------------------------------------------------------------------------ runtime tokens

    /// Stores a runtime token's hash for one end user of key `owner.key_id`.
    pub async fn create_runtime_token(
        &self,
        hash: &str,
        o: &SessionOwner,
        expires_at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO runtime_tokens (token_hash, channel_id, key_id, end_user, expires_at,
                                         created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(hash)
        .bind(&o.channel_id)
        .bind(&o.key_id)
        .bind(&o.end_user)
        .bind(ts(expires_at))
        .bind(ts(now()))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The caller an unexpired runtime token acts as.
    pub async fn find_runtime_token(&self, hash: &str) -> StoreResult<Option<SessionOwner>> {
        let row = sqlx::query(
            "SELECT channel_id, key_id, end_user FROM runtime_tokens
             WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(hash)
        .bind(ts(now()))
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(|r| SessionOwner {
            channel_id: r.get(0),
            key_id: r.get(1),
            end_user: r.get(2),
        }))
    }

    // ------------------------------------------------------------------------- idempotency

    /// Claims `scope` for a request fingerprinted `request_hash`, or reports what happened to
    /// the first request that used it.
    pub async fn idempotency_begin(
        &self,
        scope: &str,
        request_hash: &str,
    ) -> StoreResult<IdempotencyState> {
        let inserted = sqlx::query(
            "INSERT INTO idempotency_records (scope, request_hash, created_at)
             VALUES ($1, $2, $3) ON CONFLICT (scope) DO NOTHING",
        )
        .bind(scope)
        .bind(request_hash)
        .bind(ts(now()))
        .execute(&self.write)
        .await?
        .rows_affected();
        if inserted == 1 {
            return Ok(IdempotencyState::New);
        }
        let row = sqlx::query(
            "SELECT request_hash, status, body FROM idempotency_records WHERE scope = $1",
        )
        .bind(scope)
        .fetch_optional(&self.write)
        .await?;
        let Some(r) = row else {
            return Ok(IdempotencyState::InFlight);
        };
        if r.get::<String, _>(0) != request_hash {
            return Ok(IdempotencyState::Mismatch);
        }
        Ok(
            match (r.get::<Option<i64>, _>(1), r.get::<Option<String>, _>(2)) {
                (Some(status), Some(body)) => IdempotencyState::Done(status as u16, body),
                _ => IdempotencyState::InFlight,
            },
        )
    }

    /// Stores the response of the request that claimed `scope`.
    pub async fn idempotency_finish(
        &self,
        scope: &str,
        status: u16,
        body: &str,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE idempotency_records SET status = $2, body = $3 WHERE scope = $1")
            .bind(scope)
            .bind(status as i64)
            .bind(body)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Releases `scope` after its request failed (a retry may then try again).
    pub async fn idempotency_abort(&self, scope: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM idempotency_records WHERE scope = $1 AND status IS NULL")
            .bind(scope)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}
