//! Embeddable Everruns agent runtime: the turn loop, capabilities, LLM drivers and session
//! file stores, with no HTTP in it.
//!
//! Public in-process runtime for embedding Everruns. It runs the same three phases (input,
//! reason, act) a durable host runs, without a durable engine, worker boundary or server.
//! Use it to:
//! - run sessions in your own process ([`InProcessRuntimeBuilder`]);
//! - provide your own platform definition (capabilities, drivers, the session file-system
//!   factory: [`PlatformDefinition`]);
//! - seed harnesses, agents, sessions and workspace files in code ([`SingleSessionBuilder`],
//!   [`InProcessRuntime::create_session`], [`InProcessRuntime::seed_text_file`]);
//! - replace the in-memory stores with your own backends ([`RuntimeHarnessStore`],
//!   [`RuntimeAgentStore`], [`RuntimeSessionStore`], [`RuntimeMessageStore`],
//!   [`RuntimeProviderStore`]; defaults [`InMemorySessionStore`], [`InMemoryEventLog`],
//!   [`InMemorySessionFileStore`], [`InMemorySessionStorageStore`]);
//! - watch a turn's events in process ([`EventBus`], [`CollectingEventBus`]);
//! - inspect the assembled turn context before or after a turn
//!   ([`InProcessRuntime::load_context`]);
//! - run each phase as its own queued task in a durable host ([`RuntimeHostAdapter`],
//!   [`RuntimeHostTurnContext`], [`execute_input_activity`], [`execute_reason_activity`],
//!   [`execute_act_activity`], [`RuntimeSessionLifecycle::finish_turn`]), with
//!   [`plan_next_host_turn`] deciding the next step (module [`host`]).
//!
//! Runnable examples (run by `make test`):
//!
//! ```text
//! cargo run -p everruns-runtime --example in_process_runtime
//! cargo run -p everruns-runtime --example inspect_context
//! cargo run -p everruns-runtime --example real_disk_agent_instructions
//! cargo run -p everruns-runtime --example real_disk_file_system_tools
//! ```
//!
//! # Example
//!
//! Seed 003's example, as written except for crate paths (see "Names from the seed" below):
//!
//! ```
//! use everruns_runtime::{
//!     CapabilityRegistry, DriverRegistry, InputMessage, LlmProviderType, ModelWithProvider,
//!     PlatformDefinition,
//! };
//! use everruns_runtime::capabilities::TestMathCapability;
//! use everruns_runtime::InProcessRuntimeBuilder;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
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
//!     .llm_sim(everruns_runtime::llmsim_driver::LlmSimConfig::fixed("4"))
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
//!     .run_turn(
//!         session_id,
//!         InputMessage::user("What is 2 + 2?"),
//!     )
//!     .await?;
//! assert!(result.success);
//! # assert_eq!(result.response, "4");
//! # Ok(())
//! # }
//! ```
//!
//! # Real-disk workspace
//!
//! Configure [`RealDiskSessionFileSystemFactory`] on the [`PlatformDefinition`]
//! ([`PlatformDefinition::with_session_file_system_factory`]) and every built-in capability
//! (`session_file_system`, `virtual_bash`, `agent_instructions`, `skills`, …) reads and writes
//! that directory: capabilities reach files only through [`ToolContext::files`] and
//! [`SystemPromptContext::file_store`]. See the `real_disk_*` examples.
//!
//! # Names from the seed
//!
//! Seed 003 imports `CapabilityRegistry`, `DriverRegistry`, `PlatformDefinition`,
//! `ModelWithProvider`, `InputMessage`, `LlmProviderType`, `capabilities::TestMathCapability` and
//! `llmsim_driver::LlmSimConfig` from `everruns_core`. In this repository `everruns-core` is the
//! client core (wire types only), so the runtime-side names live in this crate and the two wire
//! types are re-exported here: write `everruns_runtime::` where the seed writes
//! `everruns_core::`. Everything else the seed lists has the seed's name in this crate.
//!
//! # Hosts
//!
//! The reference server implements the lower-level turn stores ([`EventLog`],
//! [`SessionFileSystem`] or [`FileEntryBackend`], [`SessionStorage`], [`LlmSimStore`],
//! [`ModelCatalog`]), bundles them in [`RuntimeBackends`] and drives turns with
//! [`TurnEngine::run_turn`]. A turn's progress lives only in its events, so running it again
//! after a crash resumes it with exactly one terminal event. See the crate README, "Host seam".
#![warn(missing_docs)]

mod builders;
pub mod capabilities;
pub mod config;
mod engine;
pub mod fs;
pub mod host;
mod in_process;
pub mod llm;
pub mod llmsim_driver;
pub mod messages;
pub mod pricing;
pub mod runtime_config;
mod single_session;
pub mod store;

pub use builders::{AgentBuilder, HarnessBuilder, SessionBuilder, GENERIC_HARNESS_CAPABILITIES};
pub use capabilities::{
    AskUserCapability, Capability, CapabilityRegistry, MountPoint, SystemPromptContext, Tool,
    ToolApprovalCapability, ToolContext, ToolError,
};
pub use config::{merge_layers, resolve_capabilities, MergedConfig};
pub use engine::generation::generation_messages;
pub use engine::interaction::{
    resolve_question_answers, resolve_tool_approvals, resolve_tool_results, steered_into,
    waiting_turn, ApprovalRule, InteractionError, Resolution, WaitingTurn,
    TOOL_APPROVAL_CAPABILITY, TOOL_RESULTS_TIMEOUT,
};
pub use engine::{
    append_input_message, find_input_message, plan_next_host_turn, session_messages,
    AssembledTurnContext, CancelProgress, PlatformDefinition, RuntimeActPlan, RuntimeActivity,
    RuntimeActivityResult, RuntimeBackends, RuntimeError, RuntimeTurnPlan, RuntimeTurnState,
    TerminalInfo, TurnEnd, TurnEngine, TurnOutcome, TurnPhase, TurnRequest, TurnResult,
    CANCEL_AGENT_MESSAGE, CANCEL_USER_MESSAGE,
};
/// Wire types the seed's example imports, re-exported so that the example needs one crate.
pub use everruns_core::{InputMessage, LlmProviderType};
pub use fs::{
    ApprovalGatingFileStore, EntryFileSystem, FileApprovalGate, FileBindingResolver, FileEntry,
    FileEntryBackend, FileMount, FileWrite, FsError, FsLimits, FsResult, InMemoryFileEntryBackend,
    InMemorySessionFileStore, InMemorySessionFileSystemFactory, RealDiskFileStore,
    RealDiskSessionFileSystemFactory, SessionFileBinding, SessionFileSystem,
    SessionFileSystemFactory, WorkspaceFileSystem, WriteBlocklistFileStore, WriteMode,
    WriteOutcome, DEFAULT_WRITE_BLOCKLIST, MEMORIES_DIR,
};
pub use host::{
    detect_dependency_blocker, execute_act_activity, execute_input_activity,
    execute_reason_activity, CollectingEventBus, DependencyBlocker, EventBus, InMemorySessionStore,
    NoopEventBus, PublishingEventLog, RuntimeAgentStore, RuntimeHarnessStore, RuntimeHostAdapter,
    RuntimeHostTurnContext, RuntimeMessageStore, RuntimeProviderStore, RuntimeSessionLifecycle,
    RuntimeSessionStore,
};
pub use in_process::{InProcessRuntime, InProcessRuntimeBuilder};
pub use llm::{DriverRegistry, LlmDriver, LlmError, LlmErrorKind, LlmRequest, LlmStreamEvent};
pub use messages::{messages_from_events, MessageFold};
pub use runtime_config::{NetworkPolicy, RuntimeConfig};
pub use single_session::SingleSessionBuilder;
pub use store::{
    EventDraft, EventLog, InMemoryEventLog, InMemoryLlmSimStore, InMemorySessionStorageStore,
    LlmSimStore, ModelCatalog, ModelWithProvider, ResolvedModel, SessionStorage,
    StaticModelCatalog, StorageNamespace, StoreError,
};
/// Re-exported so hosts need no direct `tokio-util` dependency.
pub use tokio_util::sync::CancellationToken;
