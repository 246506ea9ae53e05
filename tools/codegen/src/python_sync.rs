//! `python/python/everruns_sdk/_sync_operations.py`: the sub-clients of `SyncEverruns`, from
//! the same table and with the same signatures as the asyncio ones (`python.rs`), as plain
//! blocking methods over the native client's `call_sync`.

use std::fmt::Write as _;

use crate::model::{pascal, Table};
use crate::python::method;

/// The generated module.
pub fn generate(t: &Table) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}", crate::GENERATED);
    s.push_str(
        r#""""The sub-clients of :class:`everruns_sdk.SyncEverruns`: the operations of the core's table as
blocking methods, with the same signatures as :class:`everruns_sdk.Everruns`'s.

Python's rule for every method: ids, paths and the call's main input are positional; every
other parameter is keyword-only; ``None`` means "not given". Durations are seconds.
"""

from __future__ import annotations

import builtins
from typing import Any, Mapping, Optional, Sequence, Union

"#,
    );
    s.push_str(&crate::python::models_import());
    s.push_str(
        r#"from ._operations import _args, _Owner, _Sub
from ._sync_streams import SyncEventStream, SyncPageIterator

"#,
    );
    let _ = writeln!(s, "__all__ = [");
    for g in &t.groups {
        let _ = writeln!(s, "    \"Sync{}Client\",", pascal(g));
    }
    let _ = writeln!(s, "]\n");
    for g in &t.groups {
        let _ = writeln!(s, "\nclass Sync{}Client(_Sub):", pascal(g));
        let _ = writeln!(
            s,
            "    \"\"\"``client.{g}`` of :class:`everruns_sdk.SyncEverruns`.\"\"\"\n\n    __slots__ = ()\n"
        );
        let methods: Vec<String> = t.group(g).map(|op| method(op, true)).collect();
        s.push_str(&methods.join("\n"));
    }
    s.push_str("\n\nclass _SyncSubClients(_Owner):\n    \"\"\"The sub-clients, one attribute each.\"\"\"\n\n    def __init__(self) -> None:\n");
    for g in &t.groups {
        let _ = writeln!(s, "        self.{g} = Sync{}Client(self)", pascal(g));
    }
    s
}
