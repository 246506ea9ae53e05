"""Parity: the Python client exposes every operation of the core's table, with the table's
argument rule and defaults, and no undeclared public method.

The table is read from the compiled core (``_native.operations()``) and from
``core/generated/operations.json`` (the same table with schema fields expanded); the two must
agree, so a stale generated file fails here too.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

from everruns_sdk import Everruns, _native

ROOT = Path(__file__).resolve().parents[2]
TABLE: dict[str, Any] = json.loads((ROOT / "core" / "generated" / "operations.json").read_text())

#: Python-only parameters, each with its reason.
HOST_PARAMS = {
    ("events", "stream"): {"batch_size": "how many events one pull takes from the native stream"},
}


def _public(cls: type) -> set[str]:
    return {n for n in dir(cls) if not n.startswith("_")}


def test_generated_table_matches_the_compiled_core() -> None:
    compiled = json.loads(_native.operations())
    assert [(o["group"], o["name"]) for o in compiled["operations"]] == [
        (o["group"], o["name"]) for o in TABLE["operations"]
    ]
    assert compiled["groups"] == TABLE["groups"]


def test_every_operation_with_the_tables_signature() -> None:
    client = Everruns(api_key="k", base_url="http://127.0.0.1:9/api", read_env=False)
    checked = 0
    for group in TABLE["groups"]:
        sub = getattr(client, group)
        declared = {o["name"] for o in TABLE["operations"] if o["group"] == group}
        assert _public(type(sub)) == declared, f"{group}: undeclared or missing methods"
        for op in (o for o in TABLE["operations"] if o["group"] == group):
            method = getattr(sub, op["name"])
            sig = inspect.signature(method)
            params = list(sig.parameters.values())
            extra = HOST_PARAMS.get((group, op["name"]), {})
            names = [p.name for p in params if p.name not in extra]
            assert names == [p["name"] for p in op["params"]], op["name"]
            for p, decl in zip([p for p in params if p.name not in extra], op["params"], strict=True):
                positional = decl["role"] in ("address", "primary")
                kind = p.kind
                if positional:
                    assert kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, (op["name"], p.name)
                else:
                    assert kind is inspect.Parameter.KEYWORD_ONLY, (op["name"], p.name)
                if decl["required"]:
                    assert p.default is inspect.Parameter.empty, (op["name"], p.name)
                else:
                    assert p.default == decl["default"], (op["name"], p.name, p.default)
            if op["kind"] in ("unary",):
                assert inspect.iscoroutinefunction(method), op["name"]
            else:
                assert not inspect.iscoroutinefunction(method), op["name"]
            checked += 1
    assert checked == len(TABLE["operations"]) >= 40


def test_client_settings_are_the_tables() -> None:
    params = [
        p.name for p in inspect.signature(Everruns.__init__).parameters.values() if p.name != "self"
    ]
    assert params == [s["name"] for s in TABLE["client_settings"]] + ["_native_client"]
    opts = [
        p.name for p in inspect.signature(Everruns.with_options).parameters.values() if p.name != "self"
    ]
    assert opts == [s["name"] for s in TABLE["call_settings"]]


def test_event_payload_types_cover_the_catalogue() -> None:
    from everruns_sdk.event_data import EVENT_DATA, OutputMessageDeltaData

    assert EVENT_DATA["output.message.delta"] is OutputMessageDeltaData
    assert set(OutputMessageDeltaData.__annotations__) >= {"delta", "accumulated", "turn_id"}
    assert {"turn.completed", "turn.failed", "tool.started", "connected"} <= set(EVENT_DATA)
