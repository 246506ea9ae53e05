//! `workspaces` and `workspace_files`: upstream 0.3's workspace routes (docs/workspaces.md).

use futures::FutureExt;

use crate::ops::spec::*;
use crate::types::{
    CreateFileRequest, CreateWorkspaceRequest, GrepRequest, UpdateFileRequest,
    UpdateWorkspaceRequest,
};

const WORKSPACE_ID: Param = address("workspace_id", "The workspace's id (`wsp_…`).");
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
const SRC: Param = address("src_path", "The source path.");
const DST: Param = address("dst_path", "The destination path.");
const RECURSIVE: Param = optional(
    "recursive",
    Ty::Bool,
    Some("false"),
    "Recurse into directories.",
);
const IS_READONLY: Param = optional("is_readonly", Ty::Bool, None, "Read-only flag.");
const NEW_CONTENT: Param = Param {
    required: false,
    ..primary("content", Ty::Str, "The new content.")
};

pub(crate) const WORKSPACES: &[Op] = &[
    Op {
        group: "workspaces",
        name: "list",
        doc: "Workspaces, newest first (`search`: name or description).",
        params: &[SEARCH, INCLUDE_ARCHIVED],
        fields: None,
        ret: Ret::List("Workspace"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let search = a.opt::<String>("search")?;
                let archived = a.opt::<bool>("include_archived")?;
                a.done()?;
                c.workspaces()
                    .list(search.as_deref(), archived)
                    .await
                    .map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "workspaces",
        name: "create",
        doc: "Creates a workspace.",
        params: &[
            primary("name", Ty::Str, "The workspace's name."),
            DESCRIPTION,
        ],
        fields: None,
        ret: Ret::Model("Workspace"),
        idempotent: false,
        run: Run::Unary(|c, mut a| {
            async move {
                let name = a.string("name")?;
                let description = a.opt::<String>("description")?;
                a.done()?;
                let req = CreateWorkspaceRequest { name, description };
                c.workspaces().create(req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "workspaces",
        name: "get",
        doc: "A workspace by id.",
        params: &[WORKSPACE_ID],
        fields: None,
        ret: Ret::Model("Workspace"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("workspace_id")?;
                a.done()?;
                c.workspaces().get(&id).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "workspaces",
        name: "update",
        doc: "Changes a workspace's name, description or status (`active` / `archived`).",
        params: &[
            WORKSPACE_ID,
            NAME,
            DESCRIPTION,
            optional("status", Ty::Str, None, "`active` or `archived`."),
        ],
        fields: None,
        ret: Ret::Model("Workspace"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("workspace_id")?;
                let req = UpdateWorkspaceRequest {
                    name: a.opt("name")?,
                    description: a.opt("description")?,
                    status: a.opt("status")?,
                };
                a.done()?;
                c.workspaces().update(&id, req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "workspaces",
        name: "delete",
        doc: "Archives a workspace (its files stay readable).",
        params: &[WORKSPACE_ID],
        fields: None,
        ret: Ret::Unit,
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("workspace_id")?;
                a.done()?;
                c.workspaces().delete(&id).await.map(output)
            }
            .boxed()
        }),
    },
];

pub(crate) const WORKSPACE_FILES: &[Op] = &[
    Op {
        group: "workspace_files",
        name: "list",
        doc: "Entries of a directory (the root by default); a file gives that one entry.",
        params: &[WORKSPACE_ID, Param { required: false, default: Some("\"/\""), ..PATH }, RECURSIVE],
        fields: None,
        ret: Ret::List("FileInfo"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("workspace_id")?;
                let path = a.opt::<String>("path")?.unwrap_or_else(|| "/".into());
                let recursive = a.flag("recursive", false)?;
                a.done()?;
                c.workspace_files().list(&id, &path, recursive).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "workspace_files",
        name: "read",
        doc: "Reads a file with its content.",
        params: &[WORKSPACE_ID, PATH],
        fields: None,
        ret: Ret::Model("SessionFile"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("workspace_id")?;
                let path = a.string("path")?;
                a.done()?;
                c.workspace_files().read(&id, &path).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "workspace_files",
        name: "create",
        doc: "Creates a file (parents too); a conflict error when it exists.",
        params: &[WORKSPACE_ID, PATH, CONTENT, ENCODING, IS_READONLY],
        fields: None,
        ret: Ret::Model("SessionFile"),
        idempotent: false,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("workspace_id")?;
                let path = a.string("path")?;
                let req = CreateFileRequest {
                    content: Some(a.opt::<String>("content")?.unwrap_or_default()),
                    encoding: a.opt("encoding")?,
                    is_readonly: a.opt("is_readonly")?,
                    is_directory: None,
                };
                a.done()?;
                c.workspace_files().create(&id, &path, req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "workspace_files",
        name: "create_dir",
        doc: "Creates a directory (parents too).",
        params: &[WORKSPACE_ID, PATH],
        fields: None,
        ret: Ret::Model("SessionFile"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("workspace_id")?;
                let path = a.string("path")?;
                a.done()?;
                c.workspace_files().create_dir(&id, &path).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "workspace_files",
        name: "update",
        doc: "Replaces a file's content and/or its read-only flag.",
        params: &[WORKSPACE_ID, PATH, NEW_CONTENT, ENCODING, IS_READONLY],
        fields: None,
        ret: Ret::Model("SessionFile"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("workspace_id")?;
                let path = a.string("path")?;
                let req = UpdateFileRequest {
                    content: a.opt("content")?,
                    encoding: a.opt("encoding")?,
                    is_readonly: a.opt("is_readonly")?,
                };
                a.done()?;
                c.workspace_files().update(&id, &path, req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "workspace_files",
        name: "delete",
        doc: "Deletes a file or directory (`recursive` for a non-empty one); whether something was deleted.",
        params: &[WORKSPACE_ID, PATH, RECURSIVE],
        fields: None,
        ret: Ret::Bool,
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("workspace_id")?;
                let path = a.string("path")?;
                let recursive = a.flag("recursive", false)?;
                a.done()?;
                c.workspace_files().delete(&id, &path, recursive).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "workspace_files",
        name: "move_file",
        doc: "Moves (renames) a file or directory.",
        params: &[WORKSPACE_ID, SRC, DST],
        fields: None,
        ret: Ret::Model("SessionFile"),
        idempotent: false,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("workspace_id")?;
                let src = a.string("src_path")?;
                let dst = a.string("dst_path")?;
                a.done()?;
                c.workspace_files().move_file(&id, &src, &dst).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "workspace_files",
        name: "copy_file",
        doc: "Copies a file.",
        params: &[WORKSPACE_ID, SRC, DST],
        fields: None,
        ret: Ret::Model("SessionFile"),
        idempotent: false,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("workspace_id")?;
                let src = a.string("src_path")?;
                let dst = a.string("dst_path")?;
                a.done()?;
                c.workspace_files().copy_file(&id, &src, &dst).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "workspace_files",
        name: "grep",
        doc: "Searches file contents with a regular expression (`path_pattern`: a glob on paths).",
        params: &[WORKSPACE_ID, PATTERN, PATH_PATTERN],
        fields: None,
        ret: Ret::List("GrepResult"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("workspace_id")?;
                let req = GrepRequest {
                    pattern: a.string("pattern")?,
                    path_pattern: a.opt("path_pattern")?,
                };
                a.done()?;
                c.workspace_files().grep(&id, req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "workspace_files",
        name: "stat",
        doc: "Metadata of a file or directory.",
        params: &[WORKSPACE_ID, PATH],
        fields: None,
        ret: Ret::Model("FileStat"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("workspace_id")?;
                let path = a.string("path")?;
                a.done()?;
                c.workspace_files().stat(&id, &path).await.map(output)
            }
            .boxed()
        }),
    },
];
