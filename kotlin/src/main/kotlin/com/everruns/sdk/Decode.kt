package com.everruns.sdk

/** Reading typed fields out of parsed JSON; a missing or mistyped required field is a [DecodeException]. */
internal class Fields(private val cls: String, val raw: Map<String, Any?>) {
    private fun bad(k: String, want: String): Nothing =
        throw DecodeException("$cls.$k: expected $want, got ${raw[k]?.let { it::class.simpleName } ?: "nothing"}", "decode", null, null)

    fun str(k: String): String = optStr(k) ?: bad(k, "a string")
    fun optStr(k: String): String? = when (val v = raw[k]) { null -> null; is String -> v; else -> bad(k, "a string") }
    fun long(k: String): Long = optLong(k) ?: bad(k, "an integer")
    fun optLong(k: String): Long? = when (val v = raw[k]) { null -> null; is Long -> v; is Double -> v.toLong(); else -> bad(k, "an integer") }
    fun double(k: String): Double = optDouble(k) ?: bad(k, "a number")
    fun optDouble(k: String): Double? = when (val v = raw[k]) { null -> null; is Number -> v.toDouble(); else -> bad(k, "a number") }
    fun bool(k: String): Boolean = optBool(k) ?: bad(k, "a boolean")
    fun optBool(k: String): Boolean? = when (val v = raw[k]) { null -> null; is Boolean -> v; else -> bad(k, "a boolean") }
    fun any(k: String): Any? = raw[k]
    fun <T> list(k: String, item: (Any?) -> T): List<T> = optList(k, item) ?: emptyList()
    fun <T> optList(k: String, item: (Any?) -> T): List<T>? = when (val v = raw[k]) { null -> null; is List<*> -> v.map(item); else -> bad(k, "a list") }
    fun obj(k: String): Map<String, Any?> = optObj(k) ?: bad(k, "an object")
    fun optObj(k: String): Map<String, Any?>? = when (val v = raw[k]) { null -> null; is Map<*, *> -> asObject(v); else -> bad(k, "an object") }
    fun <T> nested(k: String, f: (Any?) -> T): T = raw[k]?.let(f) ?: bad(k, "an object")
    fun <T> optNested(k: String, f: (Any?) -> T): T? = raw[k]?.let(f)

    companion object {
        @Suppress("UNCHECKED_CAST")
        fun asObject(v: Any?): Map<String, Any?> = v as? Map<String, Any?>
            ?: throw DecodeException("expected a JSON object, got ${v?.let { it::class.simpleName }}", "decode", null, null)

        fun of(cls: String, v: Any?): Fields = Fields(cls, asObject(v))
    }
}

internal fun asString(v: Any?): String = v as? String ?: throw DecodeException("expected a string", "decode", null, null)
