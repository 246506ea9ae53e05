package com.everruns.sdk

import com.everruns.sdk.internal.NativeClient
import com.everruns.sdk.internal.NativeException
import com.everruns.sdk.internal.NativeStream
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlin.time.Duration
import kotlin.time.DurationUnit

/**
 * The bridge to the native core: every generated operation goes through [call], [items],
 * [events] or [local] with its operation id and its arguments (snake_case keys, as on the wire).
 * Native failures become [EverrunsException]s here and nowhere else.
 */
internal class Native(internal val client: NativeClient) {
    suspend fun call(op: String, args: Map<String, Any?>): Any? =
        Json.parse(mapped { client.call(op, Json.write(args)) })

    fun local(op: String, args: Map<String, Any?>): Any? =
        Json.parse(mapped { client.local(op, Json.write(args)) })

    /** Items of a paged operation, pulled in batches while collected. */
    fun <T> items(op: String, args: Map<String, Any?>, decode: (Any?) -> T): Flow<T> =
        pulled({ client.paged(op, Json.write(args)) }, ack = false, decode)

    /**
     * An event stream: opened when collected, every event acknowledged as it is handed to the
     * collector; cancellation (or an early exit such as `first {}`) closes the connection.
     */
    fun <T> events(op: String, args: Map<String, Any?>, decode: (Any?) -> T): Flow<T> =
        pulled({ client.stream(op, Json.write(args)) }, ack = true, decode)

    private fun <T> pulled(open: () -> NativeStream, ack: Boolean, decode: (Any?) -> T): Flow<T> = flow {
        val stream = mapped(open)
        try {
            while (true) {
                val batch = mapped { stream.nextBatch(BATCH) } ?: break
                for (item in Json.parse(batch) as List<*>) {
                    val value = decode(item)
                    if (ack) stream.ack(1u)
                    emit(value)
                }
            }
        } finally {
            stream.shutdown()
            stream.destroy()
        }
    }

    fun close() = client.shutdown()

    companion object {
        private const val BATCH = 64u

        /** A client from settings (snake_case keys; `null` values are left out). */
        fun create(settings: Map<String, Any?>): Native =
            Native(mapped { NativeClient(Json.write(settings.filterValues { it != null })) })

        inline fun <R> mapped(block: () -> R): R =
            try {
                block()
            } catch (e: NativeException) {
                throw e.toEverruns()
            }
    }
}

/** Seconds, as the core takes durations. */
internal fun Duration.seconds(): Double = toDouble(DurationUnit.SECONDS)

/** Arguments without the parameters that were not given. */
internal fun args(vararg pairs: Pair<String, Any?>): Map<String, Any?> =
    linkedMapOf(*pairs).filterValues { it != null }
