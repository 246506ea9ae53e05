"""The Python result classes declare exactly the fields of the core's wire types, as published
in the committed OpenAPI document (generated from `everruns-core` by the server; CI fails when
that document is stale). A field added to a core type and forgotten here fails this test."""

from __future__ import annotations

import json

import everruns_sdk as ev
from everruns_sdk import WireObject

from .conftest import REPO

SCHEMAS = json.loads((REPO / "openapi" / "openapi.json").read_text())["components"]["schemas"]

WIRE_CLASSES: dict[type[WireObject], str] = {
    ev.Agent: "Agent",
    ev.Session: "Session",
    ev.Message: "Message",
    ev.Event: "Event",
    ev.FileInfo: "FileInfo",
    ev.SessionFile: "SessionFile",
    ev.FileStat: "FileStat",
    ev.GrepMatch: "GrepMatch",
    ev.GrepResult: "GrepResult",
    ev.CancelTurnResponse: "CancelTurnResponse",
    ev.CapabilityInfo: "CapabilityInfo",
    ev.Harness: "Harness",
    ev.Model: "Model",
    ev.Page: "Page_Agent",
}


def test_every_wire_class_matches_its_schema() -> None:
    for cls, schema in WIRE_CLASSES.items():
        props = set(SCHEMAS[schema].get("properties", {}))
        assert set(cls._fields) == props, (
            f"{cls.__name__}: missing {sorted(props - cls._fields)}, extra {sorted(cls._fields - props)}"
        )


def test_required_fields_are_not_optional() -> None:
    import typing

    for cls, schema in WIRE_CLASSES.items():
        if cls is ev.Page:
            continue
        hints = typing.get_type_hints(cls)
        props = SCHEMAS[schema].get("properties", {})
        for name in SCHEMAS[schema].get("required", []):
            if _nullable(props.get(name, {})):
                continue  # always present, possibly null: `Optional` is the right hint
            args = typing.get_args(hints[name])
            assert type(None) not in args, f"{cls.__name__}.{name} is required on the wire"


def _nullable(prop: dict[str, object]) -> bool:
    kind = prop.get("type")
    if isinstance(kind, list) and "null" in kind:
        return True
    variants = prop.get("oneOf")
    return isinstance(variants, list) and any(isinstance(v, dict) and v.get("type") == "null" for v in variants)


def test_file_listing_is_the_core_listing() -> None:
    # FileListing is the core client's type (not a wire schema): `{path, entries: [FileInfo]}`.
    assert set(ev.FileListing._fields) == {"path", "entries"}
    listing = ev.FileListing({"path": "/", "entries": [{"name": "a", "is_directory": False}]})
    assert isinstance(listing.entries[0], ev.FileInfo)
    assert listing.entries[0].name == "a"
