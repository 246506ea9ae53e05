/** Shared bits of the TypeScript tutorial examples. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Everruns, type Event, type EventStream } from "@everruns/sdk";

/** A client from EVERRUNS_API_KEY (default "dev") and EVERRUNS_API_URL. */
export function client(): Everruns {
  return new Everruns({
    apiKey: process.env.EVERRUNS_API_KEY ?? "dev",
    baseUrl: process.env.EVERRUNS_API_URL ?? "http://localhost:9300/api",
  });
}

/** The markdown of examples/agents/<name>.md. */
export function agentMarkdown(name: string): string {
  return readFileSync(join(__dirname, "..", "..", "agents", `${name}.md`), "utf8");
}

/** The text parts of an output.message.completed event. */
export function textOf(event: Event): string {
  const message = event.data.message as { content?: Array<{ type: string; text?: string }> } | undefined;
  return (message?.content ?? [])
    .filter((p) => p.type === "text")
    .map((p) => p.text ?? "")
    .join("\n");
}

/** Reads a turn's events, printing tool calls (and deltas when asked), until it ends. */
export async function followTurn(
  events: EventStream,
  printDeltas = false,
): Promise<{ text: string; outcome: string }> {
  let text = "";
  for await (const event of events) {
    if (event.type === "output.message.delta" && printDeltas) {
      process.stdout.write(String(event.data.delta ?? ""));
    } else if (event.type === "tool.started") {
      const call = event.data.tool_call as { name?: string; arguments?: { url?: string } } | undefined;
      if (call?.name === "web_fetch") console.log(`  -> Fetching: ${call.arguments?.url ?? "?"}`);
      else console.log(`  -> Tool: ${call?.name ?? "unknown"}`);
    } else if (event.type === "output.message.completed") {
      const t = textOf(event);
      if (t) text = t;
    } else if (["turn.completed", "turn.failed", "turn.cancelled"].includes(event.type)) {
      if (event.type === "turn.failed") console.log(`[Turn failed: ${String(event.data.error ?? "unknown")}]`);
      return { text, outcome: event.type };
    }
  }
  return { text, outcome: "stream ended" };
}
