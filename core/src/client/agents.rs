//! `client.agents()`.

use futures::stream::{self, BoxStream, StreamExt};
use reqwest::Method;

use super::transport::Call;
use super::{Error, Everruns, Result};
use crate::ids::{self, IdKind};
use crate::slug;
use crate::types::{Agent, CreateAgentRequest, ListAgentsParams, Page, UpdateAgentRequest};

/// Agents: configuration of the agentic loop (docs/wire.md#6).
#[derive(Debug, Clone)]
pub struct AgentsClient {
    pub(crate) client: Everruns,
}

/// Turns an id-or-name into the path segment: ids are validated, names are slugged
/// (docs/decisions.md#1).
pub(crate) fn id_or_name(kind: IdKind, value: &str) -> Result<String> {
    if value.starts_with(&format!("{}_", kind.prefix())) {
        ids::validate(kind, value)?;
        return Ok(value.to_string());
    }
    let (name, _) = slug::resolve_name(value, None)?;
    Ok(name)
}

fn page_query(
    search: &Option<String>,
    include_archived: Option<bool>,
    offset: Option<u64>,
    limit: Option<u64>,
) -> Vec<(&'static str, String)> {
    let mut q = Vec::new();
    if let Some(s) = search {
        q.push(("search", s.clone()));
    }
    if let Some(b) = include_archived {
        q.push(("include_archived", b.to_string()));
    }
    if let Some(o) = offset {
        q.push(("offset", o.to_string()));
    }
    if let Some(l) = limit {
        q.push(("limit", l.to_string()));
    }
    q
}

pub(crate) fn prepare_create(mut req: CreateAgentRequest) -> Result<CreateAgentRequest> {
    let (name, display) = slug::resolve_name(&req.name, req.display_name.as_deref())?;
    req.name = name;
    req.display_name = display;
    if let Some(id) = &req.id {
        ids::validate(IdKind::Agent, id)?;
    }
    if req.harness_id.is_some() && req.harness_name.is_some() {
        return Err(Error::validation(
            "harness_id and harness_name are mutually exclusive",
        ));
    }
    if let Some(h) = &req.harness_id {
        ids::validate(IdKind::Harness, h)?;
    }
    if req.system_prompt.trim().is_empty() {
        return Err(Error::validation("system_prompt must not be empty"));
    }
    Ok(req)
}

impl AgentsClient {
    pub(crate) fn new(client: Everruns) -> Self {
        Self { client }
    }

    /// Creates an agent (or updates the one with the same name). `name` may be a human name
    /// ("Research Assistant"): the slug is sent as `name` and the input as `display_name`.
    pub async fn create(&self, name: &str, system_prompt: &str) -> Result<Agent> {
        self.create_with_options(CreateAgentRequest::new(name, system_prompt))
            .await
    }

    /// `POST /v1/agents` with a full request (name resolved as in [`AgentsClient::create`]).
    /// Retried like an idempotent call only when `request.id` is set.
    pub async fn create_with_options(&self, request: CreateAgentRequest) -> Result<Agent> {
        let req = prepare_create(request)?;
        let idempotent = req.id.is_some();
        self.client
            .send_json(Method::POST, self.client.url(&["agents"]), &req, idempotent)
            .await
    }

    /// Upsert by id: creates the agent with `request.id` or updates it (`POST` with id). The
    /// id is required.
    pub async fn apply(&self, request: CreateAgentRequest) -> Result<Agent> {
        if request.id.is_none() {
            return Err(Error::validation(
                "apply needs request.id (use generate_agent_id() for a new one)",
            ));
        }
        self.create_with_options(request).await
    }

    /// Upsert by name: creates the agent or updates the one with this name.
    pub async fn apply_by_name(&self, request: CreateAgentRequest) -> Result<Agent> {
        let req = prepare_create(request)?;
        self.client
            .send_json(Method::POST, self.client.url(&["agents"]), &req, true)
            .await
    }

    /// One page of agents.
    pub async fn list(&self, params: ListAgentsParams) -> Result<Page<Agent>> {
        let q = page_query(
            &params.search,
            params.include_archived,
            params.offset,
            params.limit,
        );
        self.client
            .get_json(self.client.url_with_query(&["agents"], &q))
            .await
    }

    /// Every agent matching `params`, fetching pages on demand from `params.offset`.
    pub fn list_all(&self, params: ListAgentsParams) -> BoxStream<'static, Result<Agent>> {
        let this = self.clone();
        paginate(params.offset.unwrap_or(0), move |offset| {
            let this = this.clone();
            let mut p = params.clone();
            p.offset = Some(offset);
            async move { this.list(p).await }
        })
    }

    /// An agent by id (`agent_…`) or name (human names are slugged).
    pub async fn get(&self, id_or_name: &str) -> Result<Agent> {
        let seg = id_or_name_arg(id_or_name)?;
        self.client
            .get_json(self.client.url(&["agents", &seg]))
            .await
    }

    /// `PATCH /v1/agents/{id}`: only the fields set change.
    pub async fn update(&self, agent_id: &str, request: UpdateAgentRequest) -> Result<Agent> {
        ids::validate(IdKind::Agent, agent_id)?;
        let mut req = request;
        if let Some(n) = &req.name {
            let (name, display) = slug::resolve_name(n, req.display_name.as_deref())?;
            req.name = Some(name);
            req.display_name = display;
        }
        self.client
            .send_json(
                Method::PATCH,
                self.client.url(&["agents", agent_id]),
                &req,
                true,
            )
            .await
    }

    /// Archives an agent (`DELETE`, 204).
    pub async fn delete(&self, agent_id: &str) -> Result<()> {
        ids::validate(IdKind::Agent, agent_id)?;
        self.client
            .delete_empty(self.client.url(&["agents", agent_id]))
            .await
    }

    /// Creates (or, when the file carries a known `id`, updates) an agent from a Markdown
    /// file with YAML front matter, YAML, JSON or plain text (`POST /v1/agents/import`).
    pub async fn import_agent(&self, markdown: &str) -> Result<Agent> {
        if markdown.trim().is_empty() {
            return Err(Error::validation("the agent file is empty"));
        }
        self.client
            .call(
                Call::new(Method::POST, self.client.url(&["agents", "import"])).text_body(markdown),
            )
            .await?
            .json()
    }

    /// The agent as Markdown with YAML front matter (`GET /v1/agents/{id}/export`).
    pub async fn export(&self, agent_id: &str) -> Result<String> {
        ids::validate(IdKind::Agent, agent_id)?;
        self.client
            .call(
                Call::new(
                    Method::GET,
                    self.client.url(&["agents", agent_id, "export"]),
                )
                .accept("text/markdown, text/plain, */*"),
            )
            .await?
            .text()
    }

    /// A new client-side agent id (`agent_` + UUIDv7 hex) for [`AgentsClient::apply`].
    pub fn generate_agent_id(&self) -> String {
        ids::generate_agent_id()
    }
}

fn id_or_name_arg(value: &str) -> Result<String> {
    id_or_name(IdKind::Agent, value)
}

/// Streams the items of offset-paginated pages, starting at `start`.
pub(crate) fn paginate<T, F, Fut>(start: u64, fetch: F) -> BoxStream<'static, Result<T>>
where
    T: Send + 'static,
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Page<T>>> + Send + 'static,
{
    struct St<F> {
        offset: u64,
        done: bool,
        fetch: F,
    }
    stream::unfold(
        St {
            offset: start,
            done: false,
            fetch,
        },
        |mut st| async move {
            if st.done {
                return None;
            }
            match (st.fetch)(st.offset).await {
                Ok(page) => {
                    let n = page.data.len() as u64;
                    st.offset += n;
                    st.done = n == 0 || !page.has_more();
                    Some((
                        stream::iter(page.data.into_iter().map(Ok)).left_stream(),
                        st,
                    ))
                }
                Err(e) => {
                    st.done = true;
                    Some((stream::iter(std::iter::once(Err(e))).right_stream(), st))
                }
            }
        },
    )
    .flatten()
    .boxed()
}
