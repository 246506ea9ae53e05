package com.everruns.sdk

/**
 * One page of an offset/limit listing.
 *
 * @property data the items of this page
 * @property total matching items over all pages
 */
public data class Page<T>(
    val data: List<T>,
    val total: Long,
    val offset: Long,
    val limit: Long,
    val nextUrl: String?,
    val prevUrl: String?,
) {
    /** True when more items follow this page. */
    val hasMore: Boolean get() = nextUrl != null || offset + data.size < total

    internal companion object {
        fun <T> of(v: Any?, item: (Any?) -> T): Page<T> {
            val f = Fields.of("Page", v)
            return Page(f.list("data", item), f.optLong("total") ?: 0, f.optLong("offset") ?: 0,
                f.optLong("limit") ?: 0, f.optStr("next_url"), f.optStr("prev_url"))
        }
    }
}

/** A directory listing. */
public data class FileListing(val path: String, val entries: List<FileInfo>) {
    internal companion object {
        fun fromJson(v: Any?): FileListing {
            val f = Fields.of("FileListing", v)
            return FileListing(f.optStr("path") ?: "", f.list("entries", FileInfo::fromJson))
        }
    }
}

/** What `filesystem.get` found at a path: a file with its content, or a directory listing. */
public sealed interface PathResult {
    /** A file. */
    public data class File(val file: SessionFile) : PathResult

    /** A directory. */
    public data class Directory(val listing: FileListing) : PathResult

    public companion object {
        internal fun fromJson(v: Any?): PathResult {
            val f = Fields.of("PathResult", v)
            return f.optObj("file")?.let { File(SessionFile.fromJson(it)) }
                ?: Directory(FileListing.fromJson(f.obj("directory")))
        }
    }
}

/** The text parts of a message's content joined with newlines. */
public val Message.text: String
    get() = content.filterIsInstance<Map<*, *>>()
        .filter { it["type"] == "text" && it["text"] is String }
        .joinToString("\n") { it["text"] as String }
