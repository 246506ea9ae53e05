//! LLM providers: resolving catalogue models to what a driver needs (key and endpoint from the
//! server's configuration), the system default model, and clear errors for missing keys.
//!
//! A model's key, in order: the provider's connection (`POST /v1/user/connections/{provider}`,
//! stored sealed, opened here per resolution), the provider's `settings.api_key` (written by an
//! operator), then [`ProviderArgs`] (`DEFAULT_OPENAI_API_KEY`, `--openai-api-key`, …).
//! Endpoints come from `settings.base_url`, else the flags.

use std::sync::Arc;

use async_trait::async_trait;
use everruns_core::{LlmProviderType, Model};
use everruns_runtime::llm::{LlmCallContext, LlmStream};
use everruns_runtime::{DriverRegistry, LlmDriver, LlmError, LlmErrorKind, LlmRequest};
use everruns_runtime::{ModelCatalog, ModelWithProvider, ResolvedModel, StoreError};

use crate::config::ProviderArgs;
use crate::store::{seeded, Store};

/// Where the key of a provider type comes from (for error messages).
pub fn key_hint(provider: &LlmProviderType) -> Option<&'static str> {
    match provider {
        LlmProviderType::OpenAi | LlmProviderType::AzureOpenAi => {
            Some("set DEFAULT_OPENAI_API_KEY or pass --openai-api-key")
        }
        LlmProviderType::Anthropic => {
            Some("set DEFAULT_ANTHROPIC_API_KEY or pass --anthropic-api-key")
        }
        _ => None,
    }
}

/// A checked copy of [`ProviderArgs`]: keys trimmed (empty = none), endpoints validated.
#[derive(Debug, Clone, Default)]
pub struct ProviderConfig {
    openai_api_key: Option<String>,
    openai_base_url: Option<String>,
    anthropic_api_key: Option<String>,
    anthropic_base_url: Option<String>,
}

fn check_url(flag: &str, url: &Option<String>) -> Result<Option<String>, String> {
    let Some(u) = url.as_deref().map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    let rest = u
        .strip_prefix("http://")
        .or_else(|| u.strip_prefix("https://"))
        .ok_or_else(|| format!("{flag} {u:?} is not an http:// or https:// URL"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!("{flag} {u:?} has no host"));
    }
    Ok(Some(u.to_string()))
}

/// The Chat Completions URL of an OpenAI endpoint given as an API root or as the full URL
/// (`…/chat/completions`, query kept, e.g. Azure's `?api-version=`).
pub fn openai_endpoint(base: &str) -> String {
    let (path, query) = match base.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (base, None),
    };
    let path = path.trim_end_matches('/');
    let full = if path.ends_with("/chat/completions") {
        path.to_string()
    } else {
        format!("{path}/chat/completions")
    };
    match query {
        Some(q) => format!("{full}?{q}"),
        None => full,
    }
}

impl ProviderConfig {
    /// Checks the arguments: base URLs must be http(s) URLs with a host.
    pub fn from_args(args: &ProviderArgs) -> Result<Self, String> {
        let key = |k: &Option<crate::config::ApiKey>| {
            k.as_ref()
                .map(|k| k.expose().trim().to_string())
                .filter(|k| !k.is_empty())
        };
        Ok(Self {
            openai_api_key: key(&args.openai_api_key),
            openai_base_url: check_url("--openai-base-url", &args.openai_base_url)?
                .map(|u| openai_endpoint(&u)),
            anthropic_api_key: key(&args.anthropic_api_key),
            anthropic_base_url: check_url("--anthropic-base-url", &args.anthropic_base_url)?,
        })
    }

    /// Whether a key is configured for this provider type (llmsim needs none).
    pub fn has_key(&self, provider: &LlmProviderType) -> bool {
        match provider {
            LlmProviderType::OpenAi | LlmProviderType::AzureOpenAi => self.openai_api_key.is_some(),
            LlmProviderType::Anthropic => self.anthropic_api_key.is_some(),
            _ => true,
        }
    }

    fn key(&self, provider: &LlmProviderType) -> Option<String> {
        match provider {
            LlmProviderType::OpenAi | LlmProviderType::AzureOpenAi => self.openai_api_key.clone(),
            LlmProviderType::Anthropic => self.anthropic_api_key.clone(),
            _ => None,
        }
    }

    fn base_url(&self, provider: &LlmProviderType) -> Option<String> {
        match provider {
            LlmProviderType::OpenAi | LlmProviderType::AzureOpenAi => self.openai_base_url.clone(),
            LlmProviderType::Anthropic => self.anthropic_base_url.clone(),
            _ => None,
        }
    }
}

/// The [`ModelCatalog`] of the server: models from the store, keys and endpoints from the
/// provider's `settings` or else from the server's configuration.
#[derive(Clone)]
pub struct ProviderCatalog {
    store: Store,
    config: Arc<ProviderConfig>,
    sealer: Arc<crate::crypto::Sealer>,
}

/// The connection name of a provider type (`openai`, `anthropic`).
pub fn connection_name(provider: &LlmProviderType) -> Option<&'static str> {
    match provider {
        LlmProviderType::OpenAi => Some("openai"),
        LlmProviderType::Anthropic => Some("anthropic"),
        _ => None,
    }
}

impl ProviderCatalog {
    /// A catalogue over `store`.
    pub fn new(store: Store, config: ProviderConfig, sealer: Arc<crate::crypto::Sealer>) -> Self {
        Self {
            store,
            config: Arc::new(config),
            sealer,
        }
    }

    /// The key of the provider's connection, opened; `None` without a connection. A key
    /// that does not open (the server key changed) is an error naming the provider only.
    async fn connection_key(
        &self,
        provider: &LlmProviderType,
    ) -> Result<Option<String>, StoreError> {
        let Some(name) = connection_name(provider) else {
            return Ok(None);
        };
        let Some(row) = self
            .store
            .get_connection(name)
            .await
            .map_err(|e| StoreError::new(e.to_string()))?
        else {
            return Ok(None);
        };
        self.sealer
            .open(crate::crypto::CONNECTION_SCOPE, name, &row.sealed_key)
            .map(Some)
            .map_err(|_| {
                StoreError::new(format!(
                    "the {name} connection cannot be decrypted with this server's secret key; set it again"
                ))
            })
    }

    async fn resolve_model(&self, m: Model) -> Result<ResolvedModel, StoreError> {
        let settings = self
            .store
            .provider_settings(&m.provider_id)
            .await
            .map_err(|e| StoreError::new(e.to_string()))?;
        let s = |k: &str| {
            settings
                .get(k)
                .and_then(|v| v.as_str())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let base_url = match s("base_url") {
            Some(u) if matches!(m.provider_type, LlmProviderType::OpenAi) => {
                Some(openai_endpoint(&u))
            }
            Some(u) => Some(u),
            None => self.config.base_url(&m.provider_type),
        };
        Ok(ResolvedModel {
            model_id: Some(m.id.clone()),
            provider_id: Some(m.provider_id.clone()),
            model: ModelWithProvider {
                model: m.model_id.clone(),
                provider_type: m.provider_type.clone(),
                api_key: self
                    .connection_key(&m.provider_type)
                    .await?
                    .or_else(|| s("api_key"))
                    .or_else(|| self.config.key(&m.provider_type)),
                base_url,
            },
        })
    }
}

#[async_trait]
impl ModelCatalog for ProviderCatalog {
    async fn resolve(&self, model_id: &str) -> Result<Option<ResolvedModel>, StoreError> {
        match self
            .store
            .get_model(model_id)
            .await
            .map_err(|e| StoreError::new(e.to_string()))?
        {
            Some(m) => Ok(Some(self.resolve_model(m).await?)),
            None => Ok(None),
        }
    }

    async fn default_model(&self) -> Result<Option<ResolvedModel>, StoreError> {
        match self
            .store
            .default_model()
            .await
            .map_err(|e| StoreError::new(e.to_string()))?
        {
            Some(m) => Ok(Some(self.resolve_model(m).await?)),
            None => Ok(None),
        }
    }
}

/// A model named as `PROVIDER:NAME` (`openai:gpt-4o`, `anthropic:claude-opus-4-1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraModel {
    /// `model_…` id: stable, derived from provider and name.
    pub id: String,
    /// The predefined provider it belongs to.
    pub provider_id: &'static str,
    /// Provider-side name.
    pub name: String,
}

impl ExtraModel {
    /// Parses `PROVIDER:NAME`; `None` when the prefix is not a provider (the name may then be
    /// a provider-side name containing `:`), an error when the name is empty.
    pub fn parse(spec: &str) -> Result<Option<Self>, String> {
        let Some((provider, name)) = spec.trim().split_once(':') else {
            return Ok(None);
        };
        let provider_id = match provider.trim().to_ascii_lowercase().as_str() {
            "openai" => seeded::OPENAI_PROVIDER_ID,
            "anthropic" => seeded::ANTHROPIC_PROVIDER_ID,
            _ => return Ok(None),
        };
        let name = name.trim();
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!(
                "model {spec:?}: expected PROVIDER:NAME with a non-empty name without spaces"
            ));
        }
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(format!("{provider_id}:{name}").as_bytes());
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        Ok(Some(Self {
            id: format!("model_{hex}"),
            provider_id,
            name: name.to_string(),
        }))
    }

    /// Adds (or re-enables) the model in the catalogue as `source: manual`.
    pub async fn register(&self, store: &Store) -> Result<(), String> {
        store
            .upsert_manual_model(&self.id, self.provider_id, &self.name, &["text", "tools"])
            .await
            .map_err(|e| e.to_string())
    }
}

/// Adds the `--extra-model` entries to the catalogue; a spec that is not `openai:NAME` or
/// `anthropic:NAME` is an error.
pub async fn register_extra_models(store: &Store, specs: &[String]) -> Result<(), String> {
    for spec in specs.iter().filter(|s| !s.trim().is_empty()) {
        let m = ExtraModel::parse(spec)?.ok_or_else(|| {
            format!("--extra-model {spec:?}: expected openai:NAME or anthropic:NAME")
        })?;
        m.register(store).await?;
    }
    Ok(())
}

/// Picks the system default model: `--default-model` (a `model_…` id, a provider-side name or
/// `PROVIDER:NAME`, which is added to the catalogue),
/// else `llmsim-model` in dev mode, else `gpt-4.1-mini` (or `claude-sonnet-4-5` when only an
/// Anthropic key is configured). An unknown or ambiguous `--default-model` is an error that
/// lists the known names.
pub async fn choose_default_model(
    store: &Store,
    wanted: Option<&str>,
    dev: bool,
    config: &ProviderConfig,
) -> Result<Model, String> {
    let mut wanted = wanted
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_string);
    if let Some(extra) = wanted
        .as_deref()
        .map(ExtraModel::parse)
        .transpose()?
        .flatten()
    {
        extra.register(store).await?;
        wanted = Some(extra.id);
    }
    let models = store.list_models().await.map_err(|e| e.to_string())?;
    let find = |name: &str, flag: bool| -> Result<Model, String> {
        let hits: Vec<&Model> = models
            .iter()
            .filter(|m| m.id == name || m.model_id == name)
            .collect();
        match hits.as_slice() {
            [one] => Ok((*one).clone()),
            [] => {
                let mut known: Vec<&str> = models.iter().map(|m| m.model_id.as_str()).collect();
                known.sort_unstable();
                known.dedup();
                Err(format!(
                    "unknown model {name:?}{}: expected a model_… id or one of: {}",
                    if flag {
                        " in --default-model / EVERRUNS_DEFAULT_MODEL"
                    } else {
                        ""
                    },
                    known.join(", ")
                ))
            }
            many => Err(format!(
                "--default-model {name:?} matches several models ({}); give the model_… id",
                many.iter()
                    .map(|m| format!("{} of {}", m.id, m.provider_name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    };
    if let Some(w) = wanted.as_deref() {
        return find(w, true);
    }
    if dev {
        return models
            .iter()
            .find(|m| m.id == seeded::LLMSIM_MODEL_ID)
            .cloned()
            .ok_or_else(|| "the llmsim model is missing from the catalogue".to_string());
    }
    let anthropic_only =
        !config.has_key(&LlmProviderType::OpenAi) && config.has_key(&LlmProviderType::Anthropic);
    find(
        if anthropic_only {
            "claude-sonnet-4-5"
        } else {
            "gpt-4.1-mini"
        },
        false,
    )
}

/// A driver that refuses a call without an API key with an error naming the env var and flag
/// that set it, then delegates.
struct KeyRequired {
    inner: Arc<dyn LlmDriver>,
    provider: &'static str,
    hint: &'static str,
}

#[async_trait]
impl LlmDriver for KeyRequired {
    async fn stream(
        &self,
        request: LlmRequest,
        ctx: &LlmCallContext,
    ) -> Result<LlmStream, LlmError> {
        if request
            .model
            .api_key
            .as_deref()
            .is_none_or(|k| k.trim().is_empty())
        {
            return Err(LlmError::new(
                LlmErrorKind::Auth,
                format!(
                    "no {} API key is configured for model {:?}: {}",
                    self.provider, request.model.model, self.hint
                ),
            ));
        }
        self.inner.stream(request, ctx).await
    }
}

/// The built-in drivers, with key checks that name the missing setting.
pub fn drivers() -> DriverRegistry {
    let mut r = DriverRegistry::new();
    for (t, name) in [
        (LlmProviderType::OpenAi, "OpenAI"),
        (LlmProviderType::AzureOpenAi, "Azure OpenAI"),
        (LlmProviderType::Anthropic, "Anthropic"),
    ] {
        if let (Some(inner), Some(hint)) = (r.get(&t), key_hint(&t)) {
            r.register(
                t.clone(),
                KeyRequired {
                    inner,
                    provider: name,
                    hint,
                },
            );
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openai_endpoints() {
        assert_eq!(
            openai_endpoint("https://api.openai.com/v1"),
            "https://api.openai.com/v1/chat/completions"
        );
        assert_eq!(
            openai_endpoint("http://127.0.0.1:8080/v1/"),
            "http://127.0.0.1:8080/v1/chat/completions"
        );
        assert_eq!(
            openai_endpoint("http://h/v1/chat/completions"),
            "http://h/v1/chat/completions"
        );
        assert_eq!(
            openai_endpoint("https://r.example/openai/deployments/d?api-version=2024-10-21"),
            "https://r.example/openai/deployments/d/chat/completions?api-version=2024-10-21"
        );
    }

    #[test]
    fn base_urls_are_checked() {
        let args = ProviderArgs {
            openai_base_url: Some("localhost:8080".into()),
            ..Default::default()
        };
        let e = ProviderConfig::from_args(&args).unwrap_err();
        assert!(e.contains("--openai-base-url"), "{e}");
        let args = ProviderArgs {
            anthropic_base_url: Some("https://".into()),
            ..Default::default()
        };
        let e = ProviderConfig::from_args(&args).unwrap_err();
        assert!(e.contains("--anthropic-base-url"), "{e}");
    }

    #[test]
    fn extra_model_specs() {
        let m = ExtraModel::parse("openai:gpt-4o").unwrap().unwrap();
        assert_eq!(m.provider_id, seeded::OPENAI_PROVIDER_ID);
        assert_eq!(m.name, "gpt-4o");
        assert!(everruns_core::ids::is_valid(
            everruns_core::ids::IdKind::Model,
            &m.id
        ));
        // stable, and distinct per provider and name
        assert_eq!(
            ExtraModel::parse(" OpenAI : gpt-4o ").unwrap().unwrap().id,
            m.id
        );
        let a = ExtraModel::parse("anthropic:gpt-4o").unwrap().unwrap();
        assert_ne!(a.id, m.id);
        // a name with a colon keeps it
        let l = ExtraModel::parse("openai:llama3:8b").unwrap().unwrap();
        assert_eq!(l.name, "llama3:8b");
        // not a provider prefix: a plain name
        assert_eq!(ExtraModel::parse("llama3:8b").unwrap(), None);
        assert_eq!(ExtraModel::parse("gpt-4o").unwrap(), None);
        assert!(ExtraModel::parse("openai:").is_err());
        assert!(ExtraModel::parse("anthropic:two words").is_err());
    }

    #[test]
    fn empty_keys_are_no_keys() {
        let args = ProviderArgs {
            openai_api_key: Some(crate::config::ApiKey::new("  ")),
            anthropic_api_key: Some(crate::config::ApiKey::new("sk-ant")),
            ..Default::default()
        };
        let c = ProviderConfig::from_args(&args).unwrap();
        assert!(!c.has_key(&LlmProviderType::OpenAi));
        assert!(c.has_key(&LlmProviderType::Anthropic));
        assert!(!format!("{args:?}").contains("sk-ant"));
    }
}
