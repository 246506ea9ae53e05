//! The catalogue: the built-in harness, predefined providers and models, harness and model
//! lookups.

use everruns_core::{Harness, Model};
use everruns_runtime::HarnessBuilder;
use serde_json::Value;
use sqlx::Row;

use super::rows::{model_from_row, MODEL_SELECT};
use super::{now, parse_ts, ts, Store, StoreResult};

/// Fixed ids of the rows the server seeds (stable across restarts).
pub mod seeded {
    /// The built-in `generic` harness.
    pub const GENERIC_HARNESS_ID: &str = "harness_00000000000070008000000000000001";
    /// The `llmsim` provider.
    pub const LLMSIM_PROVIDER_ID: &str = "provider_00000000000070008000000000000001";
    /// The `llmsim-model` model.
    pub const LLMSIM_MODEL_ID: &str = "model_00000000000070008000000000000001";
    /// The predefined OpenAI provider (key and endpoint from the server's configuration).
    pub const OPENAI_PROVIDER_ID: &str = "provider_00000000000070008000000000000002";
    /// The predefined Anthropic provider (key and endpoint from the server's configuration).
    pub const ANTHROPIC_PROVIDER_ID: &str = "provider_00000000000070008000000000000003";
}

/// A provider the server seeds.
#[derive(Debug, Clone, Copy)]
pub struct PredefinedProvider {
    /// `provider_…` id (fixed).
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Driver (`llmsim`, `openai`, `anthropic`).
    pub provider_type: &'static str,
}

/// A model the server seeds (`source: predefined`).
#[derive(Debug, Clone, Copy)]
pub struct PredefinedModel {
    /// `model_…` id (fixed).
    pub id: &'static str,
    /// Its provider's id.
    pub provider_id: &'static str,
    /// Provider-side name sent to the API.
    pub model_id: &'static str,
    /// Display name.
    pub display_name: &'static str,
    /// Features (`text`, `tools`, `vision`, `thinking`).
    pub capabilities: &'static [&'static str],
}

/// The predefined providers.
pub const PREDEFINED_PROVIDERS: &[PredefinedProvider] = &[
    PredefinedProvider {
        id: seeded::LLMSIM_PROVIDER_ID,
        name: "LLM Simulator",
        provider_type: "llmsim",
    },
    PredefinedProvider {
        id: seeded::OPENAI_PROVIDER_ID,
        name: "OpenAI",
        provider_type: "openai",
    },
    PredefinedProvider {
        id: seeded::ANTHROPIC_PROVIDER_ID,
        name: "Anthropic",
        provider_type: "anthropic",
    },
];

/// The predefined model catalogue (kept short; provider-side names are the providers' aliases).
pub const PREDEFINED_MODELS: &[PredefinedModel] = &[
    PredefinedModel {
        id: seeded::LLMSIM_MODEL_ID,
        provider_id: seeded::LLMSIM_PROVIDER_ID,
        model_id: "llmsim-model",
        display_name: "LLM Simulator",
        capabilities: &["text", "tools"],
    },
    PredefinedModel {
        id: "model_00000000000070008000000000000002",
        provider_id: seeded::OPENAI_PROVIDER_ID,
        model_id: "gpt-4.1-mini",
        display_name: "GPT-4.1 mini",
        capabilities: &["text", "tools", "vision"],
    },
    PredefinedModel {
        id: "model_00000000000070008000000000000003",
        provider_id: seeded::OPENAI_PROVIDER_ID,
        model_id: "gpt-4o-mini",
        display_name: "GPT-4o mini",
        capabilities: &["text", "tools", "vision"],
    },
    PredefinedModel {
        id: "model_00000000000070008000000000000004",
        provider_id: seeded::OPENAI_PROVIDER_ID,
        model_id: "gpt-5-mini",
        display_name: "GPT-5 mini",
        capabilities: &["text", "tools", "vision", "thinking"],
    },
    PredefinedModel {
        id: "model_00000000000070008000000000000005",
        provider_id: seeded::ANTHROPIC_PROVIDER_ID,
        model_id: "claude-sonnet-4-5",
        display_name: "Claude Sonnet 4.5",
        capabilities: &["text", "tools", "vision", "thinking"],
    },
    PredefinedModel {
        id: "model_00000000000070008000000000000006",
        provider_id: seeded::ANTHROPIC_PROVIDER_ID,
        model_id: "claude-haiku-4-5",
        display_name: "Claude Haiku 4.5",
        capabilities: &["text", "tools", "vision", "thinking"],
    },
];

impl Store {
    /// Seeds the built-in `generic` harness and the predefined providers and models
    /// ([`PREDEFINED_PROVIDERS`], [`PREDEFINED_MODELS`]). Idempotent; the default model is set
    /// separately ([`Store::set_default_model`]).
    pub async fn seed(&self) -> StoreResult<()> {
        let t = ts(now());
        // The built-in harness is the runtime's `generic` one with a fixed id; a database
        // seeded by an older version gets its new capabilities (keeping `created_at`).
        let mut generic = HarnessBuilder::generic()
            .id(seeded::GENERIC_HARNESS_ID)
            .build();
        let existing: Option<Harness> = self.get_harness(seeded::GENERIC_HARNESS_ID).await?;
        match &existing {
            Some(old)
                if old.capabilities == generic.capabilities
                    && old.description == generic.description =>
            {
                generic = old.clone();
            }
            Some(old) => {
                generic.created_at = old.created_at;
                generic.updated_at = parse_ts(&t);
            }
            None => {
                generic.created_at = parse_ts(&t);
                generic.updated_at = parse_ts(&t);
            }
        }
        sqlx::query(
            "INSERT INTO harnesses (id, name, status, is_built_in, doc, created_at, updated_at)
             VALUES ($1, 'generic', 'active', 1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at",
        )
        .bind(&generic.id)
        .bind(serde_json::to_string(&generic)?)
        .bind(ts(generic.created_at))
        .bind(ts(generic.updated_at))
        .execute(&self.write)
        .await?;
        let mut tx = self.write.begin().await?;
        for p in PREDEFINED_PROVIDERS {
            sqlx::query(
                "INSERT INTO providers (id, name, provider_type, settings, created_at, updated_at)
                 VALUES ($1, $2, $3, '{}', $4, $4)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                     provider_type = excluded.provider_type",
            )
            .bind(p.id)
            .bind(p.name)
            .bind(p.provider_type)
            .bind(&t)
            .execute(&mut *tx)
            .await?;
        }
        for m in PREDEFINED_MODELS {
            sqlx::query(
                "INSERT INTO models (id, provider_id, model_id, display_name, capabilities, enabled,
                                     is_default, is_favorite, source, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, 1, 0, 0, 'predefined', $6, $6)
                 ON CONFLICT (id) DO UPDATE SET provider_id = excluded.provider_id,
                     model_id = excluded.model_id, display_name = excluded.display_name,
                     capabilities = excluded.capabilities, source = excluded.source",
            )
            .bind(m.id)
            .bind(m.provider_id)
            .bind(m.model_id)
            .bind(m.display_name)
            .bind(serde_json::to_string(m.capabilities)?)
            .bind(&t)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    // ----------------------------------------------------------------------------- harnesses

    /// Every harness (archived ones only when asked), sorted by name.
    pub async fn list_harnesses(&self, include_archived: bool) -> StoreResult<Vec<Harness>> {
        let rows = sqlx::query("SELECT doc, status FROM harnesses ORDER BY name")
            .fetch_all(&self.read)
            .await?;
        let mut out = Vec::new();
        for r in rows {
            let status: String = r.get(1);
            if status == "deleted" || (!include_archived && status == "archived") {
                continue;
            }
            out.push(serde_json::from_str(&r.get::<String, _>(0))?);
        }
        Ok(out)
    }

    /// A harness by id or name (`default` = `generic`).
    pub async fn get_harness(&self, id_or_name: &str) -> StoreResult<Option<Harness>> {
        let key = if id_or_name == "default" {
            "generic"
        } else {
            id_or_name
        };
        let row = sqlx::query("SELECT doc FROM harnesses WHERE id = $1 OR name = $1")
            .bind(key)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| serde_json::from_str(&r.get::<String, _>(0)).map_err(Into::into))
            .transpose()
    }

    // -------------------------------------------------------------------------------- models

    /// Every model with its provider.
    pub async fn list_models(&self) -> StoreResult<Vec<Model>> {
        let rows = sqlx::query(MODEL_SELECT).fetch_all(&self.read).await?;
        rows.iter().map(model_from_row).collect()
    }

    /// One model.
    pub async fn get_model(&self, id: &str) -> StoreResult<Option<Model>> {
        let sql = format!("{MODEL_SELECT} WHERE m.id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(model_from_row).transpose()
    }

    /// The default model.
    pub async fn default_model(&self) -> StoreResult<Option<Model>> {
        let sql = format!("{MODEL_SELECT} WHERE m.is_default = 1");
        let row = sqlx::query(&sql).fetch_optional(&self.read).await?;
        row.as_ref().map(model_from_row).transpose()
    }

    /// Inserts or updates a `manual` model (its id is chosen by the caller).
    pub async fn upsert_manual_model(
        &self,
        id: &str,
        provider_id: &str,
        model_id: &str,
        capabilities: &[&str],
    ) -> StoreResult<()> {
        let t = ts(now());
        sqlx::query(
            "INSERT INTO models (id, provider_id, model_id, display_name, capabilities, enabled,
                                 is_default, is_favorite, source, created_at, updated_at)
             VALUES ($1, $2, $3, $3, $4, 1, 0, 0, 'manual', $5, $5)
             ON CONFLICT (id) DO UPDATE SET enabled = 1",
        )
        .bind(id)
        .bind(provider_id)
        .bind(model_id)
        .bind(serde_json::to_string(capabilities)?)
        .bind(&t)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Makes `id` the only default model (`None`: no default).
    pub async fn set_default_model(&self, id: Option<&str>) -> StoreResult<()> {
        sqlx::query("UPDATE models SET is_default = CASE WHEN id = $1 THEN 1 ELSE 0 END")
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Provider settings JSON (api_key, base_url) of a provider.
    pub async fn provider_settings(&self, provider_id: &str) -> StoreResult<Value> {
        let row = sqlx::query("SELECT settings FROM providers WHERE id = $1")
            .bind(provider_id)
            .fetch_optional(&self.read)
            .await?;
        Ok(row
            .and_then(|r| serde_json::from_str(&r.get::<String, _>(0)).ok())
            .unwrap_or(Value::Null))
    }
}

impl Store {
    /// Inserts or replaces a harness document (by id).
    pub async fn upsert_harness(&self, harness: &Harness) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO harnesses (id, name, status, is_built_in, doc, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, status = excluded.status,
                 doc = excluded.doc, updated_at = excluded.updated_at",
        )
        .bind(&harness.id)
        .bind(&harness.name)
        .bind(harness.status.as_str())
        .bind(harness.is_built_in as i64)
        .bind(serde_json::to_string(harness)?)
        .bind(ts(harness.created_at))
        .bind(ts(harness.updated_at))
        .execute(&self.write)
        .await?;
        Ok(())
    }
}
