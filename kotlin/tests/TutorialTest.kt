// The tutorial's flows on the JVM against the real server: agent, markdown import, session,
// message, streamed turn, follow-up turn, files, cancel; the environment defaults.
package com.everruns.sdk.tests

import com.everruns.sdk.Everruns
import com.everruns.sdk.NotFoundException
import com.everruns.sdk.text
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.collect
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.takeWhile
import kotlinx.coroutines.flow.toList

const val RESEARCH_TEXT = "Durable execution engines persist every step.\nMain approaches: event sourcing and checkpoints."
const val COMPARISON_MD = "# Temporal.io vs PostgreSQL\n\nTemporal replays workflow history; the PostgreSQL approach stores each step as an event.\n"
val TERMINAL = setOf("turn.completed", "turn.failed", "turn.cancelled")

val HN_MARKDOWN = """---
name: "HackerNews Reader"
description: "An agent that browses HackerNews autonomously"
tags:
  - demo
  - hackernews
capabilities:
  - web_fetch
  - current_time
  - session_file_system
---
You are a HackerNews reader agent. You autonomously browse
Hacker News to find interesting stories.
"""

fun client(s: Server) = Everruns(apiKey = "dev", baseUrl = s.apiUrl)

val tutorialTests: List<Pair<String, Test>> = listOf(
    "environment defaults: EVERRUNS_API_URL / EVERRUNS_API_KEY (the quick start in a child JVM)" to { s ->
        val jna = System.getProperty("jna.library.path")?.let { listOf("-Djna.library.path=$it") } ?: emptyList()
        val pb = ProcessBuilder(listOf("java") + jna + listOf("-cp", System.getProperty("java.class.path"), "QuickStartKt"))
        pb.environment().keys.removeIf { it.startsWith("EVERRUNS_") }
        pb.environment()["EVERRUNS_API_URL"] = s.apiUrl
        pb.environment()["EVERRUNS_API_KEY"] = "dev"
        pb.redirectErrorStream(true)
        val p = pb.start()
        val out = p.inputStream.bufferedReader().readText()
        check(p.waitFor(120, TimeUnit.SECONDS)) { "quick start hung" }
        assertEq(p.exitValue(), 0, "exit status (output: $out)")
        check(out.contains("Agent created: agent_")) { out }
        check(out.contains("[Turn completed]")) { out }
    },
    "default base URL without the environment is the seed one" to {
        Everruns(apiKey = "dev", readEnv = false).use { c -> assertEq(c.baseUrl, "http://localhost:9300/api/") }
    },
    "step 2: create an agent" to { s ->
        client(s).use { c ->
            val agent = c.agents.create(
                name = "Research Assistant",
                systemPrompt = "You are a research assistant.",
            )
            check(agent.id.startsWith("agent_")) { agent.id }
            assertEq(agent.name, "research-assistant", "slug name")
            assertEq(c.agents.get(agent.id), agent, "get returns the same data class")
            c.agents.delete(agent.id)
        }
    },
    "import an agent from markdown, export it" to { s ->
        client(s).use { c ->
            val agent = c.agents.importAgent(HN_MARKDOWN)
            check(agent.id.startsWith("agent_")) { agent.id }
            assertEq(agent.displayName, "HackerNews Reader")
            assertEq(agent.description, "An agent that browses HackerNews autonomously")
            assertEq(agent.tags.toSet(), setOf("demo", "hackernews"))
            check((agent.systemPrompt ?: "").contains("You are a HackerNews reader agent.")) { "${agent.systemPrompt}" }
            val exported = c.agents.export(agent.id)
            check("HackerNews Reader" in exported && "web_fetch" in exported) { exported }
            c.agents.delete(agent.id)
        }
    },
    "steps 3 to 6: session, message, streamed turn, follow-up turn, files" to { s ->
        client(s).use { c ->
            val agent = c.agents.create("Research Assistant", "You are a research assistant.",
                capabilities = listOf("current_time", "session_file_system"))
            val session = c.sessions.create(agentId = agent.id, title = "Research: Durable Execution Engines")
            check(session.id.startsWith("session_")) { session.id }
            assertEq(session.title, "Research: Durable Execution Engines")
            c.sessions.setLlmsimScript(session.id, listOf(
                mapOf("text" to "Let me note the time first.",
                    "tool_calls" to listOf(mapOf("name" to "get_current_time", "arguments" to emptyMap<String, Any>()))),
                mapOf("text" to RESEARCH_TEXT),
                mapOf("text" to "Saving my analysis.", "tool_calls" to listOf(mapOf("name" to "write_file",
                    "arguments" to mapOf("path" to "/workspace/comparison.md", "content" to COMPARISON_MD)))),
                mapOf("text" to "Saved the comparison to /workspace/comparison.md."),
            ))
            c.messages.create(session.id, "Research durable execution engines.")
            val out = StringBuilder()
            c.events.stream(session.id).takeWhile { it.type !in TERMINAL }.collect { e ->
                when (e.type) {
                    "output.message.delta" -> out.append(e.data["delta"] ?: "")
                    "output.message.completed" -> {
                        val message = e.data["message"] as Map<*, *>
                        for (part in message["content"] as List<*>) {
                            part as Map<*, *>
                            if (part["type"] == "text") out.append("\n\nAgent: ${part["text"]}")
                        }
                    }
                    "tool.started" -> out.append("\n  [Tool] ${(e.data["tool_call"] as Map<*, *>)["name"]}")
                    "tool.completed" -> out.append("\n  [Tool] ${e.data["tool_name"]}: ${if (e.data["success"] == true) "done" else "error"}\n")
                }
            }
            val text = out.toString()
            check("Let me note the time first." in text) { text }
            check("[Tool] get_current_time: done" in text) { text }
            check("$RESEARCH_TEXT\n\nAgent: $RESEARCH_TEXT" in text) { text }

            // Step 6: the follow-up turn; the first completed message is this turn's.
            c.messages.create(session.id, "Compare Temporal.io vs PostgreSQL. Save to /workspace/comparison.md")
            val first = c.events.stream(session.id).first { it.type == "output.message.completed" }
            val msg = first.data["message"] as Map<*, *>
            assertEq(((msg["content"] as List<*>)[0] as Map<*, *>)["text"], "Saving my analysis.", "follow-up text")
            assertEq(c.events.stream(session.id).first { it.type in TERMINAL }.type, "turn.completed")

            val listing = c.filesystem.list(session.id, "/workspace")
            check(listing.entries.any { it.name == "comparison.md" && !it.isDirectory }) { listing.toString() }
            assertEq(c.filesystem.read(session.id, "/workspace/comparison.md").content, COMPARISON_MD)
            val messages = c.messages.list(session.id)
            check(messages.any { it.role == "user" && "Temporal" in it.text }) { messages.toString() }
            c.sessions.delete(session.id)
            c.agents.delete(agent.id)
            assertThrows<NotFoundException> { c.sessions.get(session.id) }
        }
    },
    "files: create, stat, grep, list_all" to { s ->
        client(s).use { c ->
            val agent = c.agents.create("Filer", "Files.")
            val sid = c.sessions.create(agentId = agent.id).id
            c.filesystem.create(sid, "/workspace/notes.md", "alpha\nbeta\n")
            assertEq(c.filesystem.stat(sid, "/workspace/notes.md").isDirectory, false)
            val hits = c.filesystem.grep(sid, "beta")
            check(hits.isNotEmpty()) { "no grep hit" }
            val all = c.sessions.listAll(agentId = agent.id).toList()
            assertEq(all.map { it.id }, listOf(sid), "listAll")
            c.sessions.delete(sid)
            c.agents.delete(agent.id)
        }
    },
    "cancel a running turn" to { s ->
        client(s).use { c ->
            val agent = c.agents.create("Slow Analyst", "Analyse things.")
            val session = c.sessions.create(agentId = agent.id)
            c.sessions.setLlmsimScript(session.id, listOf(mapOf("text" to "never shown", "delay_ms" to 30000)))
            c.messages.create(session.id, "Analyze every package")
            delay(2000)
            c.sessions.cancel(session.id)
            val types = mutableListOf<String>()
            c.events.stream(session.id).takeWhile { types.add(it.type); it.type != "session.idled" }.collect()
            check("turn.cancelled" in types) { types.toString() }
            check("turn.completed" !in types) { types.toString() }
            c.sessions.delete(session.id)
            c.agents.delete(agent.id)
        }
    },
)
