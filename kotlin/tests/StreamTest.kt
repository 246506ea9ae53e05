// Stream resilience on the JVM: the server restarted mid-turn (every event once, in order);
// cancelling the collector closes the connection.
package com.everruns.sdk.tests

import com.everruns.sdk.Event
import com.everruns.sdk.Everruns
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.flow.collect
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.takeWhile
import kotlinx.coroutines.launch
import kotlinx.coroutines.coroutineScope

fun checkExactlyOnce(streamed: List<Event>, stored: List<Event>) {
    val ids = streamed.map { it.id }
    assertEq(ids.toSet().size, ids.size, "duplicated events")
    val seqs = streamed.map { it.sequence ?: 0 }
    assertEq(seqs, seqs.sorted(), "order")
    val window = stored.filter { (it.sequence ?: 0) in seqs.first()..seqs.last() }.map { it.id }
    assertEq(ids, window, "lost events")
}

val streamTests: List<Pair<String, Test>> = listOf(
    "stream survives a server crash mid-turn: every event once, in order" to {
        val srv = Server().start()
        try {
            Everruns(apiKey = "dev", baseUrl = srv.apiUrl).use { c ->
                val agent = c.agents.create("Streamer", "Stream things.")
                val sid = c.sessions.create(agentId = agent.id).id
                val words = (0 until 120).joinToString(" ") { "w$it" }
                c.sessions.setLlmsimScript(sid, listOf(mapOf("text" to words)), chunkDelayMs = 40)
                c.messages.create(sid, "go")
                val streamed = mutableListOf<Event>()
                var restarted = false
                c.events.stream(sid, initialBackoff = 100.milliseconds, maxBackoff = 1.seconds)
                    .takeWhile { e ->
                        streamed.add(e)
                        if (!restarted && streamed.count { it.type == "output.message.delta" } >= 10) {
                            srv.restartHard()
                            restarted = true
                        }
                        e.type !in TERMINAL
                    }.collect()
                check(restarted) { "the server was not restarted" }
                checkExactlyOnce(streamed, c.events.list(sid))
                check(streamed.last().type in TERMINAL) { "no terminal event: ${streamed.last().type}" }
            }
        } finally {
            srv.stop()
        }
    },
    "cancelling the collecting coroutine closes the SSE connection; the client stays usable" to { s ->
        val proxy = TcpProxy(s.url.substringAfterLast(':').toInt())
        Everruns(apiKey = "dev", baseUrl = proxy.apiUrl).use { c ->
            val agent = c.agents.create("Idle", "Wait.")
            val sid = c.sessions.create(agentId = agent.id).id
            var got = 0
            coroutineScope {
                // The stream is idle (no turn): the collector waits in the native nextBatch.
                val job = launch { c.events.stream(sid, fromBeginning = true).collect { got++ } }
                check(eventually { proxy.openSse() == 1 }) { "no SSE connection opened" }
                job.cancel()
                job.join()
            }
            check(eventually { proxy.openSse() == 0 }) { "the stream kept its connection after cancellation" }
            // An early exit (`first {}`) closes it too.
            c.events.stream(sid, fromBeginning = true).first()
            check(eventually { proxy.openSse() == 0 }) { "the stream kept its connection after first {}" }
            // The same session streams again (the previous connection is gone, not leaked).
            c.sessions.setLlmsimScript(sid, listOf(mapOf("text" to "after cancel")))
            c.messages.create(sid, "hi")
            val done = c.events.stream(sid).first { it.type in TERMINAL }
            assertEq(done.type, "turn.completed")
            c.sessions.delete(sid)
            c.agents.delete(agent.id)
        }
        proxy.close()
    },
)
