/**
 * Quick start: the tutorial's flow with @everruns/sdk.
 *
 *   make node-pack                                  # typescript/everruns-sdk-0.1.0.tgz
 *   everruns-server --dev &                         # or any Everruns server
 *   cd examples/typescript
 *   npm install --no-save ../../typescript/everruns-sdk-0.1.0.tgz
 *   ../../typescript/node_modules/.bin/tsc -p . && node dist/quickstart.js
 *
 * Reads EVERRUNS_API_KEY / EVERRUNS_API_URL (default http://localhost:9300/api).
 */
import { Everruns, NotFoundError, type Event } from "@everruns/sdk";

function textOf(event: Event): string {
  const message = event.data.message as { content?: Array<{ type: string; text?: string }> } | undefined;
  return (message?.content ?? [])
    .filter((p) => p.type === "text")
    .map((p) => p.text ?? "")
    .join("\n");
}

async function main(): Promise<void> {
  const client = new Everruns({
    apiKey: process.env.EVERRUNS_API_KEY ?? "dev",
    baseUrl: process.env.EVERRUNS_API_URL ?? "http://localhost:9300/api",
  });

  // Step 2: create an agent.
  const agent = await client.agents.create({
    name: "Research Assistant",
    systemPrompt:
      "You are a research assistant. When given a topic, you:\n" +
      "1. Create a task list to track your work\n" +
      "2. Fetch relevant web pages for information\n" +
      "3. Save your notes to files in /workspace\n" +
      "4. Produce a concise summary of your findings",
    capabilities: [{ ref: "session_file_system" }],
  });
  console.log(`Agent created: ${agent.id} (${agent.name})`);

  // Step 3: create a session.
  const session = await client.sessions.create({
    agentId: agent.id,
    title: "Research: Durable Execution Engines",
  });
  console.log(`Session created: ${session.id}`);

  try {
    // Step 4: send a message (returns once stored; the turn runs on the server).
    await client.messages.create(
      session.id,
      "Research the concept of durable execution engines. What are the main approaches and trade-offs?",
    );

    // Step 5: stream events until the turn ends.
    for await (const event of client.events.stream(session.id)) {
      if (event.type === "output.message.delta") {
        process.stdout.write(String(event.data.delta ?? ""));
      } else if (event.type === "output.message.completed") {
        console.log(`\n\nAgent: ${textOf(event)}`);
      } else if (event.type === "tool.started") {
        const toolCall = event.data.tool_call as { name?: string } | undefined;
        console.log(`\n  [Tool] ${toolCall?.name ?? "unknown"}`);
      } else if (event.type === "tool.completed") {
        console.log(`  [Tool] ${String(event.data.tool_name ?? "?")}: ${event.data.success ? "done" : "error"}`);
      } else if (event.type === "turn.completed") {
        console.log("\n[Turn completed]");
        break;
      } else if (event.type === "turn.failed") {
        console.log(`\n[Turn failed: ${String(event.data.error ?? "unknown")}]`);
        break;
      }
    }

    // Step 6: a follow-up turn; then read the session's files.
    await client.messages.create(session.id, "Save your analysis to /workspace/comparison.md");
    for await (const event of client.events.stream(session.id, { exclude: ["output.message.delta"] })) {
      if (event.type === "output.message.completed") console.log(textOf(event));
      if (event.type === "turn.completed" || event.type === "turn.failed") break;
    }
    const listing = await client.filesystem.list(session.id, "/workspace");
    for (const entry of listing.entries) {
      console.log(`  [${entry.isDirectory ? "dir" : "file"}] ${entry.name}`);
    }
    try {
      const file = await client.filesystem.read(session.id, "/workspace/comparison.md");
      console.log(file.content);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      console.log("(the agent did not write /workspace/comparison.md)");
    }
  } finally {
    await client.sessions.delete(session.id);
    await client.agents.delete(agent.id);
    await client.close();
    console.log("\nCleaned up.");
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
