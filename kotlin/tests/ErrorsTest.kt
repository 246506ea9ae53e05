// Error mapping on the JVM: 404, 401 (a server without --dev), validation (core and server),
// closed client, bad settings.
package com.everruns.sdk.tests

import com.everruns.sdk.AuthenticationException
import com.everruns.sdk.ClientClosedException
import com.everruns.sdk.ConfigException
import com.everruns.sdk.EverrunsException
import com.everruns.sdk.Everruns
import com.everruns.sdk.NotFoundException
import com.everruns.sdk.ValidationException
import kotlin.time.Duration.Companion.seconds

val errorTests: List<Pair<String, Test>> = listOf(
    "404 -> NotFoundException with status and code" to { s ->
        client(s).use { c ->
            val e = assertThrows<NotFoundException> { c.agents.get("agent_0123456789abcdef0123456789abcdef") }
            assertEq(e.status, 404, "status")
            check(e.code.isNotEmpty()) { "no code" }
            // Exhaustive `when` over the sealed hierarchy.
            val kind = when (e as EverrunsException) {
                is NotFoundException -> "not found"
                else -> "other"
            }
            assertEq(kind, "not found")
        }
    },
    "401 -> AuthenticationException (server without --dev), token not leaked" to {
        val strict = Server(dev = false).start()
        try {
            Everruns(apiKey = "evr_not_a_real_key", baseUrl = strict.apiUrl, readEnv = false).use { c ->
                val e = assertThrows<AuthenticationException> { c.agents.list() }
                assertEq(e.status, 401, "status")
                check("evr_not_a_real_key" !in (e.message ?: "")) { "token leaked: ${e.message}" }
            }
        } finally {
            strict.stop()
        }
    },
    "validation: bad arguments -> ValidationException" to { s ->
        client(s).use { c ->
            val agent = c.agents.create("Validator", "Check.")
            val sid = c.sessions.create(agentId = agent.id).id
            val both = assertThrows<ValidationException> { c.messages.create(sid) }
            check("text" in (both.message ?: "")) { "message: ${both.message}" }
            assertEq(both.status, null, "no HTTP status (rejected by the core, nothing sent)")
            val empty = assertThrows<ValidationException> { c.agents.create(name = "", systemPrompt = "x") }
            check(empty.message!!.isNotEmpty()) { "no message" }
            c.sessions.delete(sid)
            c.agents.delete(agent.id)
        }
    },
    "bad settings -> ConfigException; closed client -> ClientClosedException" to { s ->
        assertThrows<ConfigException> { Everruns(apiKey = "dev", baseUrl = "not a url", readEnv = false) }
        assertThrows<ConfigException> { Everruns(apiKey = "dev", baseUrl = s.apiUrl, timeout = (-1).seconds) }
        val c = client(s)
        c.close()
        check(c.isClosed) { "not closed" }
        assertThrows<ClientClosedException> { c.agents.list() }
    },
)

/** Every operation of the core's table has its method on the generated sub-client. */
val parityTests: List<Pair<String, Test>> = listOf(
    "parity: the facade has a method per operation of the native table" to {
        val table = com.everruns.sdk.Json.parse(com.everruns.sdk.internal.operations()) as Map<*, *>
        val missing = mutableListOf<String>()
        for (op in table["operations"] as List<*>) {
            op as Map<*, *>
            val group = (op["group"] as String).split('_').joinToString("") { it.replaceFirstChar(Char::uppercase) }
            val name = (op["name"] as String).split('_').mapIndexed { i, w -> if (i == 0) w else w.replaceFirstChar(Char::uppercase) }.joinToString("")
            val cls = Class.forName("com.everruns.sdk.${group}Client")
            // Functions taking a `Duration` (an inline class) have mangled JVM names: `stream-<hash>`.
            if (cls.methods.none { it.name == name || it.name.startsWith("$name-") }) missing.add("${op["group"]}.${op["name"]}")
        }
        check(missing.isEmpty()) { "no Kotlin method for $missing" }
        check((table["operations"] as List<*>).size >= 40) { "table too small" }
    },
)
