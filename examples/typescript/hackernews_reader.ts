/**
 * The tutorial's complete HackerNews reader with @everruns/sdk: imports the agent from
 * examples/agents/hackernews-reader.md, asks for the top stories and streams the answer.
 * Non-interactive by default; `--interactive` adds the follow-up loop.
 */
import * as readline from "node:readline";
import { agentMarkdown, client, followTurn } from "./common";

async function main(): Promise<void> {
  const everruns = client();
  const agent = await everruns.agents.importAgent(agentMarkdown("hackernews-reader"));
  console.log(`Agent: ${agent.id} (${agent.name})`);
  const session = await everruns.sessions.create({ agentId: agent.id, title: "HackerNews Reader Session" });
  console.log(`Session: ${session.id}\n`);
  try {
    const prompt = "What are the top 5 stories on HackerNews right now?";
    await everruns.messages.create(session.id, prompt);
    console.log(`You: ${prompt}\n`);
    const turn = await followTurn(everruns.events.stream(session.id));
    console.log(`Agent: ${turn.text}\n\n[${turn.outcome}]`);

    if (process.argv.includes("--interactive")) {
      // Lines are read through the interface's async iterator, which queues them: piped input
      // (several lines at once) is not lost while a turn runs.
      const rl = readline.createInterface({ input: process.stdin });
      const lines = rl[Symbol.asyncIterator]();
      for (;;) {
        process.stdout.write("\nYou (or 'quit'): ");
        const line = await lines.next();
        if (line.done) break;
        const followUp = line.value.trim();
        if (!followUp || ["quit", "exit", "q"].includes(followUp.toLowerCase())) break;
        await everruns.messages.create(session.id, followUp);
        console.log(`Agent: ${(await followTurn(everruns.events.stream(session.id))).text}`);
      }
      rl.close();
    }
  } finally {
    await everruns.sessions.delete(session.id);
    await everruns.agents.delete(agent.id);
    await everruns.close();
    console.log("\nCleaned up.");
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
