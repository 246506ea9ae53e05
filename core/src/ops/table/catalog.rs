//! `capabilities`, `harnesses` and `models`.

use futures::{FutureExt, StreamExt};

use super::agents::items;
use crate::ops::spec::*;
use crate::types::{ListCapabilitiesParams, ListHarnessesParams, ListModelsParams};

pub(crate) const CATALOG: &[Op] = &[
    Op {
        group: "capabilities",
        name: "list",
        doc: "One page of the capabilities the server offers.",
        params: &[],
        fields: Some(Fields {
            schema: "ListCapabilitiesParams",
            skip: &[],
        }),
        ret: Ret::Page("CapabilityInfo"),
        idempotent: true,
        run: Run::Unary(|c, a| {
            async move {
                let p: ListCapabilitiesParams = a.rest()?;
                c.capabilities().list(p).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "capabilities",
        name: "list_all",
        doc: "Every matching capability, pages fetched on demand.",
        params: &[],
        fields: Some(Fields {
            schema: "ListCapabilitiesParams",
            skip: &[],
        }),
        ret: Ret::Items("CapabilityInfo"),
        idempotent: true,
        run: Run::Paged(|c, a| {
            let p: ListCapabilitiesParams = a.rest()?;
            Ok(c.capabilities().list_all(p).map(items).boxed())
        }),
    },
    Op {
        group: "capabilities",
        name: "get",
        doc: "A capability by id.",
        params: &[address(
            "capability_id",
            "The capability's id (e.g. `web_fetch`).",
        )],
        fields: None,
        ret: Ret::Model("CapabilityInfo"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("capability_id")?;
                a.done()?;
                c.capabilities().get(&id).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "harnesses",
        name: "list",
        doc: "Harnesses: the base environments of agents and sessions.",
        params: &[],
        fields: Some(Fields {
            schema: "ListHarnessesParams",
            skip: &[],
        }),
        ret: Ret::List("Harness"),
        idempotent: true,
        run: Run::Unary(|c, a| {
            async move {
                let p: ListHarnessesParams = a.rest()?;
                c.harnesses().list_with_params(p).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "harnesses",
        name: "get",
        doc: "A harness by id (`harness_…`) or name.",
        params: &[address("harness_id", "The harness's id or name.")],
        fields: None,
        ret: Ret::Model("Harness"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("harness_id")?;
                a.done()?;
                c.harnesses().get(&id).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "models",
        name: "list",
        doc: "LLM models with their providers.",
        params: &[],
        fields: Some(Fields {
            schema: "ListModelsParams",
            skip: &[],
        }),
        ret: Ret::List("Model"),
        idempotent: true,
        run: Run::Unary(|c, a| {
            async move {
                let p: ListModelsParams = a.rest()?;
                c.models().list_with_params(p).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "models",
        name: "get",
        doc: "A model by id.",
        params: &[address("model_id", "The model's id (`model_…`).")],
        fields: None,
        ret: Ret::Model("Model"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("model_id")?;
                a.done()?;
                c.models().get(&id).await.map(output)
            }
            .boxed()
        }),
    },
];
