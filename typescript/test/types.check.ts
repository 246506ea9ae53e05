// Compile-time checks of the public types (`tsc -p test/tsconfig.json`, run by make lint-ts).
// Every `@ts-expect-error` must be an error, so a type that loosens or drifts fails the build.
import {
  type Everruns,
  NotFoundError,
  isEventType,
  type Agent,
  type Event,
  type EventDataMap,
  type JsonValue,
  type KnownEvent,
  type FileListing,
  type Page,
  type Session,
  type SessionFile,
} from "@everruns/sdk";

export async function checks(client: Everruns): Promise<void> {
  const agent: Agent = await client.agents.create({
    name: "Research Assistant",
    systemPrompt: "x",
    capabilities: ["web_fetch", { ref: "session_file_system", config: { any: 1 } }],
    initialFiles: [{ path: "/workspace/a.md", content: "hi", isReadonly: true }],
  });
  // @ts-expect-error: a misspelt option is a compile error
  await client.agents.create({ name: "a", systemPromt: "x" });
  // @ts-expect-error: systemPrompt is required
  await client.agents.create({ name: "a" });

  const page: Page<Agent> = await client.agents.list({ limit: 10 });
  for await (const a of client.agents.list()) a.name.toUpperCase();
  page.data[0]?.createdAt.toUpperCase();

  const session: Session = await client.sessions.create({ agentId: agent.id, title: "t" });
  const status: string = session.status;
  void status;
  await client.messages.create(session.id, "hello");
  await client.messages.create(session.id, { text: "hello", tags: ["a"] });

  const stream = client.events.stream(session.id, { exclude: ["output.message.delta"], signal: AbortSignal.timeout(1000) });
  for await (const event of stream) {
    const e: Event = event;
    const delta: string = String(e.data.delta ?? "");
    void delta;
    e.context.turnId?.toUpperCase();
    if (e.type === "turn.completed") break;
  }
  const last: string | undefined = stream.lastEventId;
  void last;
  const counts: number = stream.retryCount + stream.reconnectCount;
  void counts;

  // Event payloads: free-form values are JsonValue (not `any`); known types narrow to their
  // generated payload (keys as on the wire).
  for await (const e of client.events.stream(session.id)) {
    const raw: JsonValue | undefined = e.data.delta;
    void raw;
    // @ts-expect-error: a free-form value is not `any`
    const n: number = e.data.delta;
    void n;
    if (isEventType(e, "output.message.delta")) {
      const d: string = e.data.delta;
      const turn: string = e.data.turn_id;
      void d;
      void turn;
    }
    if (isEventType(e, "turn.completed")) {
      const usage = e.data.usage;
      void usage?.input_tokens;
      break;
    }
  }
  const toolName = (k: KnownEvent<"tool.completed">): string => k.data.tool_name;
  void toolName;
  // @ts-expect-error: only known event types have a payload entry
  const nope: EventDataMap["not.a.type"] | undefined = undefined;
  void nope;

  const listing: FileListing = await client.filesystem.list(session.id, "/workspace");
  for (const entry of listing.entries) {
    const dir: boolean = entry.isDirectory;
    void dir;
  }
  const file: SessionFile = await client.filesystem.read(session.id, "/workspace/a.md");
  file.content?.toUpperCase();
  // @ts-expect-error: results use camelCase fields
  void file.is_directory;

  try {
    await client.sessions.get(session.id, { signal: new AbortController().signal });
  } catch (err) {
    if (err instanceof NotFoundError) {
      const s: number | undefined = err.status;
      const r: string | undefined = err.requestId;
      void s;
      void r;
    }
  }
  await client.close();
}
