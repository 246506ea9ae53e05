//! Publishes the payload (`data`) schema of every event type the server emits: each payload
//! schema under `components/schemas`, and `EventDataByType`, an object whose property named
//! after an event type refers to that type's payload schema. A client (or the schema test,
//! `make test-event-schemas`) validates an event's `data` against
//! `EventDataByType.properties[event.type]`; a type missing there is undocumented.

use everruns_core::types::schemas::event_payloads;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};

/// The modifier registered on the document.
pub struct EventData;

impl utoipa::Modify for EventData {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let (by_type, schemas) = event_payloads();
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, value) in schemas {
            if components.schemas.contains_key(&name) {
                continue;
            }
            let schema: RefOr<Schema> =
                serde_json::from_value(value).expect("a payload schema is an OpenAPI schema");
            components.schemas.insert(name, schema);
        }
        let mut map = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "The payload (`data`) schema of each event type, by type: an event's `data` \
             validates against the property named after its `type`. Types not listed here \
             are not emitted by this server.",
            ));
        for (event_type, schema) in by_type {
            map = map.property(event_type, Ref::from_schema_name(schema));
        }
        components.schemas.insert(
            "EventDataByType".to_string(),
            RefOr::T(Schema::Object(map.build())),
        );
    }
}
