//! The wire schemas the operations name (utoipa, the same ones the server's OpenAPI document
//! and the TypeScript wire types use).

use std::collections::BTreeMap;

use everruns_core::types as t;
use serde_json::Value;
use utoipa::ToSchema;

fn collect<T: ToSchema>(out: &mut BTreeMap<String, Value>) {
    out.insert(
        T::name().to_string(),
        serde_json::to_value(T::schema()).expect("a schema is JSON"),
    );
}

/// Schema name → JSON schema, for every schema an operation draws fields from.
pub fn all() -> BTreeMap<String, Value> {
    let mut m = BTreeMap::new();
    collect::<t::CreateAgentRequest>(&mut m);
    collect::<t::UpdateAgentRequest>(&mut m);
    collect::<t::ListAgentsParams>(&mut m);
    collect::<t::CreateSessionRequest>(&mut m);
    collect::<t::UpdateSessionRequest>(&mut m);
    collect::<t::ListSessionsParams>(&mut m);
    collect::<t::ListEventsParams>(&mut m);
    collect::<t::CreateFileRequest>(&mut m);
    collect::<t::UpdateFileRequest>(&mut m);
    collect::<t::GrepRequest>(&mut m);
    collect::<t::ListCapabilitiesParams>(&mut m);
    collect::<t::ListHarnessesParams>(&mut m);
    collect::<t::ListModelsParams>(&mut m);
    collect::<t::LlmSimScript>(&mut m);
    collect::<t::CreateBudgetRequest>(&mut m);
    collect::<t::UpdateBudgetRequest>(&mut m);
    collect::<t::CreateAgentVersionRequest>(&mut m);
    collect::<t::ForkAgentVersionRequest>(&mut m);
    collect::<t::RollbackAgentVersionRequest>(&mut m);
    collect::<t::CreateHarnessRequest>(&mut m);
    collect::<t::UpdateHarnessRequest>(&mut m);
    m
}
