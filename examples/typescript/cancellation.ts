/** Cancellation: start a long turn, cancel it, and watch it end with turn.cancelled. */
import { setTimeout as sleep } from "node:timers/promises";
import { client, followTurn } from "./common";

async function main(): Promise<void> {
  const everruns = client();
  const agent = await everruns.agents.create({
    name: "Package Analyst",
    systemPrompt: "You analyse software packages in depth.",
  });
  const session = await everruns.sessions.create({ agentId: agent.id });
  try {
    await everruns.messages.create(session.id, "Analyze every Python package on PyPI");
    const events = everruns.events.stream(session.id);
    await sleep(500);
    const cancel = await everruns.sessions.cancel(session.id);
    console.log(`cancel: ${cancel.status} (${cancel.message})`);
    const turn = await followTurn(events);
    console.log(`turn ended with ${turn.outcome}`);
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
