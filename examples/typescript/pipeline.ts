/** Multi-agent pipeline: a researcher's answer becomes a technical writer's input. */
import { agentMarkdown, client, followTurn } from "./common";

async function main(): Promise<void> {
  const everruns = client();
  const researcher = await everruns.agents.importAgent(agentMarkdown("researcher"));
  const research = await everruns.sessions.create({ agentId: researcher.id });
  await everruns.messages.create(research.id, "Research Python async frameworks");
  console.log("[researcher]");
  const notes = await followTurn(everruns.events.stream(research.id));
  console.log(`${notes.text}\n`);

  const writer = await everruns.agents.importAgent(agentMarkdown("technical-writer"));
  const article = await everruns.sessions.create({ agentId: writer.id });
  await everruns.messages.create(article.id, `Write a blog post based on this research:\n\n${notes.text}`);
  console.log("[writer]");
  const post = await followTurn(everruns.events.stream(article.id), true);
  console.log(`\n[${post.outcome}]`);

  for (const id of [research.id, article.id]) await everruns.sessions.delete(id);
  for (const id of [researcher.id, writer.id]) await everruns.agents.delete(id);
  await everruns.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
