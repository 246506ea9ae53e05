//! Host-seam smoke tests: the engine over in-memory backends.

use everruns_core::{InputMessage, LlmProviderType, LlmSimScript, SimStep, SimToolCall};
use everruns_runtime::*;
use serde_json::json;

fn model() -> ModelWithProvider {
    ModelWithProvider {
        model: "llmsim-model".into(),
        provider_type: LlmProviderType::LlmSim,
        api_key: None,
        base_url: None,
    }
}

#[tokio::test]
async fn plain_reply_and_tool_call() {
    let engine = TurnEngine::new(PlatformDefinition::builtin(), RuntimeConfig::default());
    let mut b = RuntimeBackends::in_memory();
    b.models = std::sync::Arc::new(StaticModelCatalog::with_default(model()));
    let harness = HarnessBuilder::new("math", "You are a calculator.")
        .capability("test_math")
        .build();
    let session = SessionBuilder::new(&harness.id).build();
    b.llmsim
        .set_script(
            &session.id,
            Some(LlmSimScript {
                steps: vec![
                    SimStep {
                        tool_calls: vec![SimToolCall {
                            id: Some("c1".into()),
                            name: "add".into(),
                            arguments: json!({"a": 2, "b": 2}),
                        }],
                        ..Default::default()
                    },
                    SimStep {
                        text: Some("2 + 2 = 4".into()),
                        ..Default::default()
                    },
                ],
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    let msg = append_input_message(
        b.events.as_ref(),
        &session.id,
        InputMessage::user("2+2?"),
        None,
        None,
        vec![],
    )
    .await
    .unwrap();
    let req = TurnRequest::new(session.clone(), harness, "turn_1", msg.id);
    let r = engine.run_turn(&req, &b).await.unwrap();
    assert!(r.success, "{r:?}");
    assert_eq!(r.response, "2 + 2 = 4");
    assert_eq!(r.iterations, 2);
    assert_eq!(r.tool_calls_count, 1);
    let types: Vec<String> = b
        .events
        .list(&session.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    println!("{types:?}");
}
