/**
 * Client-side tools: the agent calls `get_weather`, a tool this application runs itself. The
 * turn waits (`tool.call_requested`) until the application posts the result.
 */
import { ContentPart, extractToolCalls } from "@everruns/sdk";
import { client, textOf } from "./common";

/** The application's own weather lookup (a real app would call its weather service). */
function localWeather(city: string): Record<string, unknown> {
  return { city, temperature_c: 21, conditions: "sunny" };
}

async function main(): Promise<void> {
  const everruns = client();
  const agent = await everruns.agents.create({
    name: "Weather Assistant",
    systemPrompt: "Answer weather questions with get_weather.",
  });
  const session = await everruns.sessions.create({
    agentId: agent.id,
    tools: [
      {
        type: "client_side",
        name: "get_weather",
        description: "Current weather for a city",
        parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
      },
    ],
  });
  try {
    await everruns.messages.create(session.id, "What's the weather in Paris?");
    for await (const event of everruns.events.stream(session.id)) {
      if (event.type === "tool.call_requested") {
        const results = [];
        for (const call of extractToolCalls(event.data)) {
          const args = (call.arguments ?? {}) as { city?: string };
          const city = args.city ?? "unknown";
          console.log(`tool call: ${call.name}(${city})`);
          const result = localWeather(city);
          console.log(`sent result: ${JSON.stringify(result)}`);
          results.push(ContentPart.makeToolResult(call.id, result));
        }
        const r = await everruns.messages.createToolResults(session.id, { results });
        console.log(`accepted ${r.accepted} result(s); session ${r.status}`);
      } else if (event.type === "output.message.completed") {
        const text = textOf(event);
        if (text) console.log(`Agent: ${text}`);
      } else if (event.type === "turn.completed") {
        console.log("turn.completed");
        break;
      } else if (event.type === "turn.failed") {
        console.log(`turn.failed: ${String(event.data.error)}`);
        break;
      }
    }
  } finally {
    await everruns.sessions.delete(session.id);
    await everruns.agents.delete(agent.id);
    await everruns.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
