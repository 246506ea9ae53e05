//! LLM models and their providers (docs/wire.md#8).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::null_default;

string_enum! {
    /// The driver behind a provider. Any other string is an external driver.
    pub enum LlmProviderType {
        /// OpenAI Chat Completions.
        OpenAi = "openai",
        /// Anthropic Messages.
        Anthropic = "anthropic",
        /// Azure OpenAI.
        AzureOpenAi = "azure_openai",
        /// The deterministic LLM simulator (no key).
        LlmSim = "llmsim",
    }
}

string_enum! {
    /// Where a model entry came from.
    pub enum ModelSource {
        /// Added by hand.
        Manual = "manual",
        /// Discovered from the provider.
        Discovered = "discovered",
        /// Shipped with the server.
        Predefined = "predefined",
    }
}

/// A model together with its provider (`ModelWithProvider`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Model {
    /// `model_<32hex>`.
    pub id: String,
    /// Provider-side model name, e.g. `gpt-4o` or `llmsim-model`.
    pub model_id: String,
    /// Human label.
    pub display_name: String,
    /// `provider_<32hex>`.
    pub provider_id: String,
    /// Provider's name.
    pub provider_name: String,
    /// Driver, e.g. `llmsim`, `openai`, `anthropic`.
    pub provider_type: LlmProviderType,
    /// Features such as `text`, `tools`, `vision`, `thinking`.
    #[serde(default, deserialize_with = "null_default")]
    pub capabilities: Vec<String>,
    /// Whether the model can be used.
    #[serde(default)]
    pub enabled: bool,
    /// Whether the provider answered its last health check.
    #[serde(default)]
    pub healthy: bool,
    /// Marked as favourite.
    #[serde(default)]
    pub is_favorite: bool,
    /// Where the entry came from.
    pub source: ModelSource,
    /// True for the server's default model.
    #[serde(default)]
    pub is_default: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update time.
    pub updated_at: DateTime<Utc>,
    /// Absolute API URL of this resource (upstream's `self_url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub self_url: Option<String>,
    /// Absolute URL of this resource in the web console (upstream's `view_url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub view_url: Option<String>,
    /// The same as `view_url` (upstream's alias for command and MCP outputs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub ui_link: Option<String>,
}

/// Query of `GET /v1/models`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ListModelsParams {
    /// Only models from this source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ModelSource>,
    /// Only favourites.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub favorites_only: Option<bool>,
}
