//! `memories`: upstream 0.3's memory routes and their file operations (docs/workspaces.md).

use futures::FutureExt;

use crate::ops::spec::*;
use crate::types::{
    CreateMemoryFileRequest, CreateMemoryRequest, GrepRequest, UpdateMemoryFileRequest,
    UpdateMemoryRequest,
};

const MEMORY_ID: Param = address("memory_id", "The memory's id (`mem_…`).");
const PATH: Param = address("path", "File path.");
const SEARCH: Param = optional(
    "search",
    Ty::Str,
    None,
    "Substring of the name or description.",
);
const INCLUDE_ARCHIVED: Param = optional(
    "include_archived",
    Ty::Bool,
    Some("false"),
    "Include archived ones.",
);
const NAME: Param = optional("name", Ty::Str, None, "New name.");
const DESCRIPTION: Param = optional("description", Ty::Str, None, "What it is for.");
const ENCODING: Param = optional(
    "encoding",
    Ty::Str,
    Some("\"text\""),
    "`text` or `base64` (how `content` is encoded).",
);
const CONTENT: Param = Param {
    required: false,
    default: Some("\"\""),
    ..primary(
        "content",
        Ty::Str,
        "The content (text, or base64 with `encoding`).",
    )
};
const PATTERN: Param = primary("pattern", Ty::Str, "Regular expression.");
const PATH_PATTERN: Param = optional(
    "path_pattern",
    Ty::Str,
    None,
    "A glob, or a substring, the paths must match.",
);
const SOURCE: Param = optional(
    "source",
    Ty::Json,
    None,
    "Source: `{\"provider\": \"manual\"}` (remote sources are refused).",
);
const REQ_CONTENT: Param = primary("content", Ty::Str, "The new content.");

pub(crate) const MEMORIES: &[Op] = &[
    Op {
        group: "memories",
        name: "list",
        doc: "Memories, newest first (`search`: name or description).",
        params: &[SEARCH, INCLUDE_ARCHIVED],
        fields: None,
        ret: Ret::List("Memory"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let search = a.opt::<String>("search")?;
                let archived = a.opt::<bool>("include_archived")?;
                a.done()?;
                c.memories().list(search.as_deref(), archived).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "memories",
        name: "create",
        doc: "Creates a memory (source `manual`; remote sources are refused by the reference server).",
        params: &[primary("name", Ty::Str, "The memory's name (its directory under `/memories`)."), DESCRIPTION, SOURCE],
        fields: None,
        ret: Ret::Model("Memory"),
        idempotent: false,
        run: Run::Unary(|c, mut a| {
            async move {
                let req = CreateMemoryRequest {
                    name: a.string("name")?,
                    description: a.opt("description")?,
                    source: a.opt("source")?,
                };
                a.done()?;
                c.memories().create(req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "memories",
        name: "get",
        doc: "A memory by id.",
        params: &[MEMORY_ID],
        fields: None,
        ret: Ret::Model("Memory"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("memory_id")?;
                a.done()?;
                c.memories().get(&id).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "memories",
        name: "update",
        doc: "Changes a memory's name or description.",
        params: &[MEMORY_ID, NAME, DESCRIPTION, SOURCE],
        fields: None,
        ret: Ret::Model("Memory"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("memory_id")?;
                let req = UpdateMemoryRequest {
                    name: a.opt("name")?,
                    description: a.opt("description")?,
                    source: a.opt("source")?,
                };
                a.done()?;
                c.memories().update(&id, req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "memories",
        name: "delete",
        doc: "Archives a memory (no longer mounted into sessions).",
        params: &[MEMORY_ID],
        fields: None,
        ret: Ret::Unit,
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("memory_id")?;
                a.done()?;
                c.memories().delete(&id).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "memories",
        name: "sync",
        doc: "Syncs a memory from its remote source (refused by the reference server: manual memories only).",
        params: &[MEMORY_ID],
        fields: None,
        ret: Ret::Model("Memory"),
        idempotent: false,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("memory_id")?;
                a.done()?;
                c.memories().sync(&id).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "memories",
        name: "list_files",
        doc: "Entries of the memory's root directory.",
        params: &[MEMORY_ID],
        fields: None,
        ret: Ret::List("MemoryFileInfo"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("memory_id")?;
                a.done()?;
                c.memories().list_files(&id).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "memories",
        name: "read_file",
        doc: "A memory file with its content.",
        params: &[MEMORY_ID, PATH],
        fields: None,
        ret: Ret::Model("MemoryFile"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("memory_id")?;
                let path = a.string("path")?;
                a.done()?;
                c.memories().read_file(&id, &path).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "memories",
        name: "create_file",
        doc: "Creates a memory file (parents too).",
        params: &[MEMORY_ID, PATH, CONTENT, ENCODING],
        fields: None,
        ret: Ret::Model("MemoryFileInfo"),
        idempotent: false,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("memory_id")?;
                let path = a.string("path")?;
                let req = CreateMemoryFileRequest {
                    content: Some(a.opt::<String>("content")?.unwrap_or_default()),
                    encoding: a.opt("encoding")?,
                    is_directory: None,
                };
                a.done()?;
                c.memories().create_file(&id, &path, req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "memories",
        name: "create_dir",
        doc: "Creates a memory directory.",
        params: &[MEMORY_ID, PATH],
        fields: None,
        ret: Ret::Model("MemoryFileInfo"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("memory_id")?;
                let path = a.string("path")?;
                a.done()?;
                c.memories().create_dir(&id, &path).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "memories",
        name: "update_file",
        doc: "Replaces a memory file's content.",
        params: &[MEMORY_ID, PATH, REQ_CONTENT, ENCODING],
        fields: None,
        ret: Ret::Model("MemoryFile"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("memory_id")?;
                let path = a.string("path")?;
                let req = UpdateMemoryFileRequest {
                    content: Some(a.string("content")?),
                    encoding: a.opt("encoding")?,
                };
                a.done()?;
                c.memories().update_file(&id, &path, req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "memories",
        name: "delete_file",
        doc: "Deletes a memory file or empty directory.",
        params: &[MEMORY_ID, PATH],
        fields: None,
        ret: Ret::Unit,
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("memory_id")?;
                let path = a.string("path")?;
                a.done()?;
                c.memories().delete_file(&id, &path).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "memories",
        name: "grep_files",
        doc: "Memory files whose content matches a regular expression.",
        params: &[MEMORY_ID, PATTERN, PATH_PATTERN],
        fields: None,
        ret: Ret::List("MemoryGrepResult"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("memory_id")?;
                let req = GrepRequest {
                    pattern: a.string("pattern")?,
                    path_pattern: a.opt("path_pattern")?,
                };
                a.done()?;
                c.memories().grep_files(&id, req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "memories",
        name: "stat_file",
        doc: "Metadata of a memory file or directory.",
        params: &[MEMORY_ID, PATH],
        fields: None,
        ret: Ret::Model("MemoryFileInfo"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("memory_id")?;
                let path = a.string("path")?;
                a.done()?;
                c.memories().stat_file(&id, &path).await.map(output)
            }
            .boxed()
        }),
    },
];
