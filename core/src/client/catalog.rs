//! `client.capabilities()`, `client.harnesses()`, `client.models()`.

use futures::stream::BoxStream;

use super::agents::{id_or_name, paginate};
use super::{Error, Everruns, Result};
use crate::ids::{self, IdKind};
use crate::types::{
    CapabilityInfo, Harness, ListCapabilitiesParams, ListHarnessesParams, ListModelsParams,
    ListResponse, Model, Page,
};

/// The capability catalog (docs/wire.md#9).
#[derive(Debug, Clone)]
pub struct CapabilitiesClient {
    client: Everruns,
}

impl CapabilitiesClient {
    pub(crate) fn new(client: Everruns) -> Self {
        Self { client }
    }

    /// One page of capabilities.
    pub async fn list(&self, params: ListCapabilitiesParams) -> Result<Page<CapabilityInfo>> {
        let mut q: Vec<(&str, String)> = Vec::new();
        if let Some(s) = &params.search {
            q.push(("search", s.clone()));
        }
        if let Some(o) = params.offset {
            q.push(("offset", o.to_string()));
        }
        if let Some(l) = params.limit {
            q.push(("limit", l.to_string()));
        }
        self.client
            .get_json(self.client.url_with_query(&["capabilities"], &q))
            .await
    }

    /// Every capability matching `params`, fetching pages on demand.
    pub fn list_all(
        &self,
        params: ListCapabilitiesParams,
    ) -> BoxStream<'static, Result<CapabilityInfo>> {
        let this = self.clone();
        paginate(params.offset.unwrap_or(0), move |offset| {
            let this = this.clone();
            let mut p = params.clone();
            p.offset = Some(offset);
            async move { this.list(p).await }
        })
    }

    /// A capability by id, e.g. `session_file_system`.
    pub async fn get(&self, capability_id: &str) -> Result<CapabilityInfo> {
        if capability_id.trim().is_empty() {
            return Err(Error::validation("the capability id must not be empty"));
        }
        self.client
            .get_json(self.client.url(&["capabilities", capability_id]))
            .await
    }
}

/// Harnesses (docs/wire.md#7).
#[derive(Debug, Clone)]
pub struct HarnessesClient {
    pub(crate) client: Everruns,
}

impl HarnessesClient {
    pub(crate) fn new(client: Everruns) -> Self {
        Self { client }
    }

    /// Every harness.
    pub async fn list(&self) -> Result<Vec<Harness>> {
        self.list_with_params(ListHarnessesParams::default()).await
    }

    /// Harnesses matching `params`.
    pub async fn list_with_params(&self, params: ListHarnessesParams) -> Result<Vec<Harness>> {
        let mut q: Vec<(&str, String)> = Vec::new();
        if let Some(s) = &params.search {
            q.push(("search", s.clone()));
        }
        if let Some(b) = params.include_archived {
            q.push(("include_archived", b.to_string()));
        }
        let list: ListResponse<Harness> = self
            .client
            .get_json(self.client.url_with_query(&["harnesses"], &q))
            .await?;
        Ok(list.data)
    }

    /// A harness by id (`harness_…`) or name (`generic`, `default`, …).
    pub async fn get(&self, id_or_name_value: &str) -> Result<Harness> {
        let seg = id_or_name(IdKind::Harness, id_or_name_value)?;
        self.client
            .get_json(self.client.url(&["harnesses", &seg]))
            .await
    }
}

/// LLM models (docs/wire.md#8).
#[derive(Debug, Clone)]
pub struct ModelsClient {
    client: Everruns,
}

impl ModelsClient {
    pub(crate) fn new(client: Everruns) -> Self {
        Self { client }
    }

    /// Every model.
    pub async fn list(&self) -> Result<Vec<Model>> {
        self.list_with_params(ListModelsParams::default()).await
    }

    /// Models matching `params`.
    pub async fn list_with_params(&self, params: ListModelsParams) -> Result<Vec<Model>> {
        let mut q: Vec<(&str, String)> = Vec::new();
        if let Some(s) = &params.source {
            q.push(("source", s.as_str().to_string()));
        }
        if let Some(b) = params.favorites_only {
            q.push(("favorites_only", b.to_string()));
        }
        let list: ListResponse<Model> = self
            .client
            .get_json(self.client.url_with_query(&["models"], &q))
            .await?;
        Ok(list.data)
    }

    /// A model by id (`model_…`).
    pub async fn get(&self, model_id: &str) -> Result<Model> {
        ids::validate(IdKind::Model, model_id)?;
        self.client
            .get_json(self.client.url(&["models", model_id]))
            .await
    }
}
