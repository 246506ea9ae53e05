// The Kotlin quick start: create an agent, open a session, send a message, stream the answer.
// Reads EVERRUNS_API_KEY and EVERRUNS_API_URL (default http://localhost:9300/api).
import com.everruns.sdk.Everruns
import kotlinx.coroutines.flow.takeWhile
import kotlinx.coroutines.runBlocking

fun main() = runBlocking {
    Everruns().use { client ->
        val agent = client.agents.create(
            name = "Research Assistant",
            systemPrompt = "You are a research assistant. Answer concisely.",
        )
        println("Agent created: ${agent.id} (${agent.name})")
        val session = client.sessions.create(agentId = agent.id, title = "Quick start")
        client.messages.create(session.id, "What is durable execution?")

        client.events.stream(session.id)
            .takeWhile { it.type != "turn.completed" && it.type != "turn.failed" }
            .collect { event ->
                if (event.type == "output.message.delta") print(event.data["delta"] ?: "")
            }
        println("\n[Turn completed]")

        client.sessions.delete(session.id)
        client.agents.delete(agent.id)
    }
}
