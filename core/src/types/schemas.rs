//! The wire schemas as JSON, for the generators of host-language types (the TypeScript wire
//! types, the Python result classes and event payloads). Behind the `openapi` feature.

use std::collections::BTreeMap;

use serde_json::Value;
use utoipa::ToSchema;

use super::event_types as et;
use super::*;

/// Adds `T`'s schema and every schema it refers to, by name.
pub fn collect<T: ToSchema>(out: &mut BTreeMap<String, Value>) {
    out.insert(
        T::name().to_string(),
        serde_json::to_value(T::schema()).expect("a schema is JSON"),
    );
    let mut nested = Vec::new();
    T::schemas(&mut nested);
    for (name, schema) in nested {
        out.entry(name)
            .or_insert_with(|| serde_json::to_value(schema).expect("a schema is JSON"));
    }
}

/// The payload schema of each known event type (`(event type, schema name)`, in catalogue
/// order), and every schema those payloads use.
pub fn event_payloads() -> (Vec<(&'static str, String)>, BTreeMap<String, Value>) {
    let mut m = BTreeMap::new();
    let mut by_type = Vec::new();
    macro_rules! payload {
        ($($name:expr => $ty:ty,)+) => {$(
            collect::<$ty>(&mut m);
            by_type.push(($name, <$ty as ToSchema>::name().to_string()));
        )+};
    }
    payload! {
        et::INPUT_MESSAGE => InputMessageData,
        et::TURN_STARTED => TurnStartedData,
        et::SESSION_STARTED => SessionStartedData,
        et::SESSION_ACTIVATED => SessionActivatedData,
        et::REASON_STARTED => ReasonStartedData,
        et::OUTPUT_MESSAGE_STARTED => OutputMessageStartedData,
        et::OUTPUT_MESSAGE_DELTA => OutputMessageDeltaData,
        et::LLM_GENERATION => LlmGenerationData,
        et::OUTPUT_MESSAGE_COMPLETED => OutputMessageCompletedData,
        et::REASON_COMPLETED => ReasonCompletedData,
        et::ACT_STARTED => ActStartedData,
        et::TOOL_STARTED => ToolStartedData,
        et::TOOL_OUTPUT_DELTA => ToolOutputDeltaData,
        et::TOOL_COMPLETED => ToolCompletedData,
        et::TOOL_CALL_REQUESTED => ToolCallRequestedData,
        et::ACT_COMPLETED => ActCompletedData,
        et::FILE_WRITTEN => FileWrittenData,
        et::TURN_COMPLETED => TurnCompletedData,
        et::TURN_FAILED => TurnFailedData,
        et::TURN_CANCELLED => TurnCancelledData,
        et::SESSION_IDLED => SessionIdledData,
        et::REASON_THINKING_STARTED => ReasonThinkingStartedData,
        et::REASON_THINKING_DELTA => ReasonThinkingDeltaData,
        et::REASON_THINKING_COMPLETED => ReasonThinkingCompletedData,
        et::REASON_RECOVERED => ReasonRecoveredData,
        et::TURN_STEERED => TurnSteeredData,
        et::CONNECTED => ConnectedData,
        et::DISCONNECTING => DisconnectingData,
        crate::types::budgets::BUDGET_WARNING => crate::types::budgets::BudgetEventData,
        crate::types::budgets::BUDGET_EXHAUSTED => crate::types::budgets::BudgetEventData,
        crate::types::budgets::BUDGET_PAUSED => crate::types::budgets::BudgetEventData,
        crate::types::budgets::BUDGET_RESUMED => crate::types::budgets::BudgetEventData,
    }
    (by_type, m)
}
