/** Upload a file into the session's workspace, then ask the agent to process it. */
import { agentMarkdown, client, followTurn } from "./common";

async function main(): Promise<void> {
  const everruns = client();
  const agent = await everruns.agents.importAgent(agentMarkdown("data-analyst"));
  const session = await everruns.sessions.create({ agentId: agent.id });
  try {
    await everruns.filesystem.create(session.id, "/workspace/input.csv", "name,value\nalpha,1\nbeta,2\ngamma,3");
    console.log("Uploaded /workspace/input.csv");
    await everruns.messages.create(session.id, "Read /workspace/input.csv and create a summary.");
    const turn = await followTurn(everruns.events.stream(session.id));
    console.log(`Agent: ${turn.text}\n[${turn.outcome}]`);
    const listing = await everruns.filesystem.list(session.id, "/workspace");
    for (const entry of listing.entries) console.log(`  [${entry.isDirectory ? "dir" : "file"}] ${entry.name}`);
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
