/**
 * An application calling its agent with `AgentClient.run`. The application holds an agent key
 * of the agent's API channel (never a management key):
 *
 *   EVERRUNS_AGENT_URL=http://127.0.0.1:9300/api/v1/channels/appchan_… \
 *   EVERRUNS_AGENT_KEY=evr_ak_… node dist/agent_app.js
 */
import { AgentClient, TurnFailedError } from "@everruns/sdk";

async function main(): Promise<number> {
  const agent = new AgentClient(); // EVERRUNS_AGENT_URL, EVERRUNS_AGENT_KEY
  try {
    const card = await agent.card();
    console.log(`Talking to ${String(card.name)}`);
    const session = await agent.createSession({ title: "Order 42" });
    console.log("Agent:", await agent.run("Where is my order 42?", session.id));
    console.log("Agent:", await agent.run("Can I still change the address?", session.id));
    return 0;
  } catch (e) {
    if (e instanceof TurnFailedError) {
      console.log(`The agent failed: ${e.code}`);
      return 1;
    }
    throw e;
  } finally {
    await agent.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
