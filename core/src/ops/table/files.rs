//! `filesystem`: a session's files.

use futures::FutureExt;
use serde::Serialize;

use crate::client::FsEntry;
use crate::ops::spec::*;
use crate::types::{CreateFileRequest, GrepRequest, UpdateFileRequest};

const SESSION_ID: Param = address("session_id", "The session's id (`session_…`).");
const PATH: Param = address("path", "File path (`/workspace/…` is an alias of `/…`).");
const SRC: Param = address("src_path", "The source path.");
const DST: Param = address("dst_path", "The destination path.");
const RECURSIVE: Param = optional(
    "recursive",
    Ty::Bool,
    Some("false"),
    "Recurse into directories.",
);

/// A file or a directory listing, tagged for hosts.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum Entry {
    File(crate::types::SessionFile),
    Directory(crate::client::FileListing),
}

fn entry(e: FsEntry) -> Output {
    output(match e {
        FsEntry::File(f) => Entry::File(f),
        FsEntry::Directory(d) => Entry::Directory(d),
    })
}

pub(crate) const FILESYSTEM: &[Op] = &[
    Op {
        group: "filesystem",
        name: "list",
        doc: "Lists a directory (`/` or `/workspace` is the root); a file gives that one entry.",
        params: &[
            SESSION_ID,
            Param {
                required: false,
                default: Some("\"/\""),
                ..PATH
            },
            RECURSIVE,
        ],
        fields: None,
        ret: Ret::Model("FileListing"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                let path = a.opt::<String>("path")?.unwrap_or_else(|| "/".into());
                let recursive = a.flag("recursive", false)?;
                a.done()?;
                c.filesystem()
                    .list_with_options(&id, &path, recursive)
                    .await
                    .map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "filesystem",
        name: "read",
        doc: "Reads a file with its content.",
        params: &[SESSION_ID, PATH],
        fields: None,
        ret: Ret::Model("SessionFile"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                let path = a.string("path")?;
                a.done()?;
                c.filesystem().read(&id, &path).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "filesystem",
        name: "get",
        doc: "A file with its content, or a listing when `path` is a directory.",
        params: &[SESSION_ID, PATH],
        fields: None,
        ret: Ret::FileOrListing,
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                let path = a.string("path")?;
                a.done()?;
                c.filesystem().get(&id, &path).await.map(entry)
            }
            .boxed()
        }),
    },
    Op {
        group: "filesystem",
        name: "create",
        doc: "Creates a file (parents too); a conflict error when it exists.",
        params: &[
            SESSION_ID,
            PATH,
            Param {
                required: false,
                default: Some("\"\""),
                ..primary(
                    "content",
                    Ty::Str,
                    "The content (text, or base64 with `encoding`).",
                )
            },
        ],
        fields: Some(Fields {
            schema: "CreateFileRequest",
            skip: &["is_directory"],
        }),
        ret: Ret::Model("SessionFile"),
        idempotent: false,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                let path = a.string("path")?;
                let mut req: CreateFileRequest = a.rest()?;
                if req.is_directory == Some(true) {
                    return Err(crate::client::Error::validation(
                        "use create_dir to create a directory",
                    ));
                }
                req.content.get_or_insert_with(String::new);
                c.filesystem()
                    .create_with_options(&id, &path, req)
                    .await
                    .map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "filesystem",
        name: "create_dir",
        doc: "Creates a directory (parents too).",
        params: &[SESSION_ID, PATH],
        fields: None,
        ret: Ret::Model("SessionFile"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                let path = a.string("path")?;
                a.done()?;
                c.filesystem().create_dir(&id, &path).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "filesystem",
        name: "update",
        doc: "Replaces a file's content and/or its read-only flag.",
        params: &[
            SESSION_ID,
            PATH,
            Param {
                required: false,
                ..primary("content", Ty::Str, "The new content.")
            },
        ],
        fields: Some(Fields {
            schema: "UpdateFileRequest",
            skip: &[],
        }),
        ret: Ret::Model("SessionFile"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                let path = a.string("path")?;
                let req: UpdateFileRequest = a.rest()?;
                c.filesystem()
                    .update_with_options(&id, &path, req)
                    .await
                    .map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "filesystem",
        name: "delete",
        doc: "Deletes a file or directory (`recursive` for a non-empty one); whether something \
              was deleted.",
        params: &[SESSION_ID, PATH, RECURSIVE],
        fields: None,
        ret: Ret::Bool,
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                let path = a.string("path")?;
                let recursive = a.flag("recursive", false)?;
                a.done()?;
                c.filesystem()
                    .delete(&id, &path, recursive)
                    .await
                    .map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "filesystem",
        name: "move",
        doc: "Moves (renames) a file or directory.",
        params: &[SESSION_ID, SRC, DST],
        fields: None,
        ret: Ret::Model("SessionFile"),
        idempotent: false,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                let src = a.string("src_path")?;
                let dst = a.string("dst_path")?;
                a.done()?;
                c.filesystem().move_file(&id, &src, &dst).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "filesystem",
        name: "copy",
        doc: "Copies a file.",
        params: &[SESSION_ID, SRC, DST],
        fields: None,
        ret: Ret::Model("SessionFile"),
        idempotent: false,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                let src = a.string("src_path")?;
                let dst = a.string("dst_path")?;
                a.done()?;
                c.filesystem().copy(&id, &src, &dst).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "filesystem",
        name: "grep",
        doc: "Searches file contents with a regular expression (`path_pattern`: a glob on paths).",
        params: &[
            SESSION_ID,
            primary("pattern", Ty::Str, "Regular expression."),
        ],
        fields: Some(Fields {
            schema: "GrepRequest",
            skip: &[],
        }),
        ret: Ret::List("GrepResult"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                let req: GrepRequest = a.rest()?;
                c.filesystem().grep(&id, req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "filesystem",
        name: "stat",
        doc: "Metadata of a file or directory.",
        params: &[SESSION_ID, PATH],
        fields: None,
        ret: Ret::Model("FileStat"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                let path = a.string("path")?;
                a.done()?;
                c.filesystem().stat(&id, &path).await.map(output)
            }
            .boxed()
        }),
    },
];
