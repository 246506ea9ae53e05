/**
 * `@everruns/sdk` — the Everruns SDK for Node.js.
 *
 * ```ts
 * import { Everruns } from "@everruns/sdk";
 *
 * const client = new Everruns({ apiKey: "dev", baseUrl: "http://localhost:9300/api" });
 * const agent = await client.agents.create({ name: "Assistant", systemPrompt: "Be brief." });
 * const session = await client.sessions.create({ agentId: agent.id });
 * await client.messages.create(session.id, "Hello!");
 * for await (const event of client.events.stream(session.id)) {
 *   if (event.type === "output.message.delta") process.stdout.write(String(event.data.delta ?? ""));
 *   if (event.type === "turn.completed" || event.type === "turn.failed") break;
 * }
 * await client.close();
 * ```
 */
import { native } from "./native";

export {
  Everruns,
  AgentsClient,
  SessionsClient,
  MessagesClient,
  EventsClient,
  EventStream,
  isEventType,
  PageRequest,
  FilesystemClient,
  CapabilitiesClient,
  HarnessesClient,
  ModelsClient,
  WorkspacesClient,
  WorkspaceFilesClient,
  MemoriesClient,
  BudgetsClient,
  ConnectionsClient,
} from "./client";
export type { CallOptions, PullOptions, Logger, EverrunsOptions } from "./client";
export { AgentClient, AGENT_OPERATIONS } from "./agent";
export type { AgentClientOptions, AgentSession, AgentStreamOptions } from "./agent";
// Every option type of the generated operation table (types only: nothing internal at runtime).
export type * from "./generated/client";
export { PulledStream } from "./stream";
export { ContentPart, extractToolCalls } from "./tools";
export type { ContentPartValue } from "./tools";
export {
  EverrunsError,
  ApiError,
  ValidationError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  RateLimitError,
  ServerError,
  NetworkError,
  TlsError,
  TimeoutError,
  EverrunsTimeoutError,
  StreamError,
  DecodeError,
  ConfigurationError,
  AbortError,
  ClientClosedError,
  TurnFailedError,
} from "./errors";
export type * from "./types";

/** The version of this package (and of its native addon). */
export const VERSION: string = native.version();
