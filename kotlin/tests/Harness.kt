// The Kotlin SDK's test runner: starts the real reference server (`everruns-server --dev`) on a
// free port, runs every test against it on the JVM and exits non-zero when one fails.
package com.everruns.sdk.tests

import java.io.File
import java.nio.file.Files
import kotlin.system.exitProcess
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout

/** One `everruns-server` process with its own SQLite file, restartable on its port. */
class Server(private val dev: Boolean = true, private val env: Map<String, String> = emptyMap()) {
    private val dir: File = Files.createTempDirectory("everruns-kt").toFile()
    private var proc: Process? = null
    var url = ""
        private set
    private var port = 0
    val apiUrl get() = "$url/api"

    fun start(onPort: Int = 0): Server {
        val bin = System.getenv("EVERRUNS_SERVER_BIN") ?: error("EVERRUNS_SERVER_BIN is not set")
        val args = mutableListOf(bin, "--addr", "127.0.0.1:$onPort", "--database-url", "sqlite://${dir}/db.sqlite")
        if (dev) args.add("--dev")
        val pb = ProcessBuilder(args).directory(dir)
            .redirectError(ProcessBuilder.Redirect.appendTo(File(dir, "server.log")))
        pb.environment().keys.removeIf { it.startsWith("EVERRUNS_") }
        pb.environment()["EVERRUNS_LOG"] = "warn"
        pb.environment().putAll(env)
        val p = pb.start()
        proc = p
        val reader = p.inputStream.bufferedReader()
        val deadline = System.nanoTime() + 120_000_000_000
        while (true) {
            val line = reader.readLine() ?: error("server exited: ${File(dir, "server.log").readText().takeLast(2000)}")
            val m = Regex("listening on (http://\\S+)").find(line)
            if (m != null) {
                url = m.groupValues[1].trimEnd('/')
                port = url.substringAfterLast(':').toInt()
                break
            }
            check(System.nanoTime() < deadline) { "server did not start" }
        }
        Thread { reader.forEachLine { } }.apply { isDaemon = true }.start()
        return this
    }

    /** Kills the process (no graceful shutdown) and starts it again on the same port. */
    fun restartHard() {
        proc?.destroyForcibly()?.waitFor()
        start(port)
    }

    fun stop() {
        proc?.let { it.destroy(); if (!it.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) it.destroyForcibly() }
        proc = null
    }
}

class AssertionFailed(message: String) : Exception(message)

fun check(cond: Boolean, msg: () -> String) {
    if (!cond) throw AssertionFailed(msg())
}

fun <T> assertEq(actual: T, expected: T, what: String = "value") =
    check(actual == expected) { "$what: expected <$expected>, got <$actual>" }

inline fun <reified E : Throwable> assertThrows(block: () -> Unit): E {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) return e
        throw AssertionFailed("expected ${E::class.simpleName}, got $e")
    }
    throw AssertionFailed("expected ${E::class.simpleName}, nothing was thrown")
}

/** Polls [cond] until it holds or [timeoutMs] passed. */
suspend fun eventually(timeoutMs: Long = 30_000, cond: () -> Boolean): Boolean {
    val end = System.currentTimeMillis() + timeoutMs
    while (System.currentTimeMillis() < end) {
        if (cond()) return true
        delay(50)
    }
    return cond()
}

typealias Test = suspend (Server) -> Unit

fun main(args: Array<String>) {
    val tests: List<Pair<String, Test>> = tutorialTests + streamTests + errorTests + parityTests
    val only = args.toSet()
    val server = Server().start()
    var failed = 0
    var ran = 0
    try {
        for ((name, test) in tests) {
            if (only.isNotEmpty() && only.none { name.contains(it) }) continue
            ran++
            val started = System.nanoTime()
            try {
                runBlocking { withTimeout(180_000) { test(server) } }
                println("PASS $name (${(System.nanoTime() - started) / 1_000_000} ms)")
            } catch (e: Throwable) {
                failed++
                println("FAIL $name: $e")
                e.printStackTrace(System.out)
            }
        }
    } finally {
        server.stop()
    }
    println("$ran tests, ${ran - failed} passed, $failed failed")
    exitProcess(if (failed == 0 && ran > 0) 0 else 1)
}
