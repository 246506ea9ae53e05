//! Embeddable Everruns agent runtime: the turn loop, capabilities, LLM drivers and session
//! file stores, with no HTTP in it.
//!
//! # Two ways in
//!
//! * **Hosts** (the reference server, or your own durable host) implement the store traits
//!   ([`EventLog`], [`SessionFileSystem`] or [`FileEntryBackend`], [`SessionStorage`],
//!   [`LlmSimStore`], [`ModelCatalog`]), bundle them in [`RuntimeBackends`], and drive turns with
//!   [`TurnEngine::run_turn`] (or step by step with [`TurnEngine::step`] and
//!   [`plan_next_host_turn`]). A turn's progress lives only in its events, so calling
//!   `run_turn` again after a crash resumes it with exactly one terminal event. See the
//!   crate README, section "Host seam".
//! * **Embedders** use the in-process runtime (seed 003): [`InProcessRuntimeBuilder`].
//!
//! ```no_run
//! use everruns_core::{InputMessage, LlmProviderType};
//! use everruns_runtime::capabilities::TestMathCapability;
//! use everruns_runtime::llmsim_driver::LlmSimConfig;
//! use everruns_runtime::{
//!     CapabilityRegistry, DriverRegistry, InProcessRuntimeBuilder, ModelWithProvider,
//!     PlatformDefinition,
//! };
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let mut capabilities = CapabilityRegistry::new();
//! capabilities.register(TestMathCapability);
//! let platform = PlatformDefinition::new(capabilities, DriverRegistry::new());
//!
//! let runtime = InProcessRuntimeBuilder::new()
//!     .platform_definition(platform)
//!     .single_session(|s| {
//!         s.harness("math", "You are a calculator.")
//!             .harness_display_name("Math")
//!             .with_capability("test_math")
//!             .agent("math-agent", "Use tools when needed.")
//!             .agent_display_name("Math Agent")
//!             .agent_max_iterations(8)
//!             .session_title("Math Session")
//!     })
//!     .llm_sim(LlmSimConfig::fixed("4"))
//!     .default_model(ModelWithProvider {
//!         model: "llmsim-model".into(),
//!         provider_type: LlmProviderType::LlmSim,
//!         api_key: Some("fake-key".into()),
//!         base_url: None,
//!     })
//!     .build()
//!     .await?;
//!
//! let session_id = runtime.default_session_id().expect("single_session id");
//! let result = runtime
//!     .run_turn(session_id, InputMessage::user("What is 2 + 2?"))
//!     .await?;
//! assert!(result.success);
//! # Ok(())
//! # }
//! ```
//!
//! # Names from the seed
//!
//! Seed 003 imports `CapabilityRegistry`, `DriverRegistry`, `PlatformDefinition`,
//! `ModelWithProvider`, `capabilities::TestMathCapability` and `llmsim_driver::LlmSimConfig`
//! from `everruns_core`. In this repository `everruns-core` is the client core (wire types
//! only for the runtime), so those names live here: `everruns_runtime::{CapabilityRegistry,
//! DriverRegistry, PlatformDefinition, ModelWithProvider}`,
//! `everruns_runtime::capabilities::TestMathCapability`,
//! `everruns_runtime::llmsim_driver::LlmSimConfig`. `InputMessage` and `LlmProviderType` come
//! from `everruns_core`.
#![warn(missing_docs)]

mod builders;
pub mod capabilities;
pub mod config;
mod engine;
pub mod fs;
mod in_process;
pub mod llm;
pub mod llmsim_driver;
pub mod messages;
pub mod runtime_config;
pub mod store;

pub use builders::{AgentBuilder, HarnessBuilder, SessionBuilder};
pub use capabilities::{Capability, CapabilityRegistry, MountPoint, Tool, ToolContext, ToolError};
pub use config::{merge_layers, resolve_capabilities, MergedConfig};
pub use engine::{
    append_input_message, find_input_message, plan_next_host_turn, session_messages,
    AssembledTurnContext, CancelProgress, PlatformDefinition, RuntimeActPlan, RuntimeBackends,
    RuntimeError, RuntimeTurnPlan, RuntimeTurnState, TerminalInfo, TurnEnd, TurnEngine,
    TurnOutcome, TurnPhase, TurnRequest, TurnResult, CANCEL_AGENT_MESSAGE, CANCEL_USER_MESSAGE,
};
pub use fs::{
    ApprovalGatingFileStore, EntryFileSystem, FileApprovalGate, FileEntry, FileEntryBackend,
    FileWrite, FsError, FsLimits, FsResult, InMemoryFileEntryBackend, RealDiskFileStore,
    SessionFileSystem, WriteBlocklistFileStore, WriteMode, WriteOutcome, DEFAULT_WRITE_BLOCKLIST,
};
pub use in_process::{InProcessRuntime, InProcessRuntimeBuilder, SingleSessionBuilder};
pub use llm::{DriverRegistry, LlmDriver, LlmError, LlmErrorKind, LlmRequest, LlmStreamEvent};
pub use messages::{messages_from_events, MessageFold};
pub use runtime_config::{NetworkPolicy, RuntimeConfig};
pub use store::{
    EventDraft, EventLog, InMemoryEventLog, InMemoryLlmSimStore, InMemorySessionStorage,
    LlmSimStore, ModelCatalog, ModelWithProvider, ResolvedModel, SessionStorage,
    StaticModelCatalog, StorageNamespace, StoreError,
};
/// Re-exported so hosts need no direct `tokio-util` dependency.
pub use tokio_util::sync::CancellationToken;
