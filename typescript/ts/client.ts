/**
 * The `Everruns` client and its sub-clients: thin, typed wrappers over the native core. Every
 * behaviour (retries, timeouts, URLs, auth, pagination, the SSE reconnect machine and the
 * per-session stream cursor) is the core's; this layer only names things the JavaScript way.
 */
import { invoke, opts, str, type CallOptions } from "./call";
import { ConfigurationError, mapNativeError } from "./errors";
import { native, type NativeClient, type NativeStream } from "./native";
import { PulledStream, type PullOptions } from "./stream";
import type {
  Agent,
  CancelTurnResponse,
  CapabilityInfo,
  ClientOptions,
  CreateAgentRequest,
  CreateFileOptions,
  CreateSessionRequest,
  Event,
  FileListing,
  FileStat,
  GrepResult,
  KnownEvent,
  KnownEventType,
  Harness,
  ListAgentsParams,
  ListCapabilitiesParams,
  ListEventsParams,
  ListHarnessesParams,
  ListModelsParams,
  ListSessionsParams,
  LlmSimScript,
  Message,
  MessageOptions,
  Model,
  Page,
  Session,
  SessionFile,
  StreamOptions,
  UpdateAgentRequest,
  UpdateFileOptions,
  UpdateSessionRequest,
} from "./types";

export type { CallOptions } from "./call";
export type { PullOptions } from "./stream";

/**
 * True when `event` is of type `type`; narrows it to {@link KnownEvent} so that `event.data`
 * has that type's fields (`if (isEventType(e, "output.message.delta")) e.data.delta`).
 */
export function isEventType<K extends KnownEventType>(event: Event, type: K): event is KnownEvent<K> {
  return event.type === type;
}

/**
 * The event stream of a session: `for await (const event of stream)`. Events are pulled in
 * batches, but only events handed to the loop count as delivered (for {@link lastEventId} and
 * the session's default cursor): after a `break` mid-batch the next default stream resumes
 * right after the last event the loop received.
 */
export class EventStream extends PulledStream<Event> {
  #n: NativeStream;

  /** @internal */
  constructor(nativeStream: NativeStream, options: PullOptions = {}) {
    super(nativeStream, options);
    this.#n = nativeStream;
  }

  /** The id of the last event this stream yielded (a `sinceId` to resume from later). */
  get lastEventId(): string | undefined {
    return this.#n.lastEventId ?? undefined;
  }

  /** Unexpected disconnects in a row; back to 0 once a connection delivers again. */
  get retryCount(): number {
    return this.#n.retryCount ?? 0;
  }

  /** Connections made after the first one (graceful server cycles and unexpected drops). */
  get reconnectCount(): number {
    return this.#n.reconnectCount ?? 0;
  }
}

/**
 * What `list()` of a paginated resource returns: `await` it for one page, or iterate it with
 * `for await` for every item of every page (pages fetched on demand by the core). Nothing is
 * sent until one of the two is used.
 */
export class PageRequest<T> implements PromiseLike<Page<T>>, AsyncIterable<T> {
  #page: () => Promise<Page<T>>;
  #all: () => PulledStream<T>;
  #promise: Promise<Page<T>> | undefined;

  /** @internal */
  constructor(page: () => Promise<Page<T>>, all: () => PulledStream<T>) {
    this.#page = page;
    this.#all = all;
  }

  #start(): Promise<Page<T>> {
    this.#promise ??= this.#page();
    return this.#promise;
  }

  /** One page (`await client.agents.list()`). */
  then<R1 = Page<T>, R2 = never>(
    onfulfilled?: ((value: Page<T>) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#start().then(onfulfilled, onrejected);
  }

  /** Like `Promise.prototype.catch` for the one-page request. */
  catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<Page<T> | R> {
    return this.#start().catch(onrejected);
  }

  /** Like `Promise.prototype.finally` for the one-page request. */
  finally(onfinally?: (() => void) | null): Promise<Page<T>> {
    return this.#start().finally(onfinally);
  }

  /** Every item of every page, starting at the requested offset. */
  [Symbol.asyncIterator](): PulledStream<T> {
    return this.#all();
  }
}

/** Splits the call options (`signal`) from an options object that goes to the core. */
function split<T extends object>(o: (T & CallOptions) | undefined): [T | undefined, AbortSignal | undefined] {
  if (o === undefined || o === null) return [undefined, undefined];
  if (typeof o !== "object") return [o as T, undefined];
  const { signal, ...rest } = o as T & CallOptions;
  return [rest as T, signal];
}

function splitPull<T extends object>(
  o: (T & PullOptions) | undefined,
): [T | undefined, PullOptions] {
  if (o === undefined || o === null || typeof o !== "object") return [o, {}];
  const { signal, batchSize, ...rest } = o as T & PullOptions;
  return [rest as T, { signal, batchSize }];
}

abstract class SubClient {
  /** @internal */
  protected readonly n: NativeClient;
  /** @internal */
  constructor(n: NativeClient) {
    this.n = n;
  }
  /** @internal Creates a native stream, mapping synchronous argument errors. */
  protected pull<T>(make: () => import("./native").NativeStream, o: PullOptions): PulledStream<T> {
    try {
      return new PulledStream<T>(make(), o);
    } catch (err) {
      throw mapNativeError(err, o.signal);
    }
  }
}

/** Agents: configuration for the agentic loop. */
export class AgentsClient extends SubClient {
  /**
   * Creates an agent (or updates the one with the same name). `name` may be a human name
   * ("Research Assistant"): the core sends its slug as `name` and the input as `displayName`.
   */
  async create(options: CreateAgentRequest & CallOptions): Promise<Agent> {
    const [req, signal] = split(options);
    const json = opts("agents.create options", req) ?? "{}";
    return invoke(signal, (t) => this.n.agentsCreate(json, t));
  }

  /** Upsert by id: creates the agent with `options.id` or updates it. */
  async apply(options: CreateAgentRequest & CallOptions): Promise<Agent> {
    const [req, signal] = split(options);
    const json = opts("agents.apply options", req) ?? "{}";
    return invoke(signal, (t) => this.n.agentsApply(json, t));
  }

  /** One page of agents (`await`), or every agent (`for await`). */
  list(params?: ListAgentsParams & CallOptions): PageRequest<Agent> {
    return new PageRequest(
      async () => {
        const [p, signal] = split(params);
        const json = opts("agents.list params", p);
        return invoke(signal, (t) => this.n.agentsList(json, t));
      },
      () => this.listAll(params),
    );
  }

  /** Every agent, pages fetched on demand: `for await (const agent of client.agents.listAll())`. */
  listAll(params?: ListAgentsParams & PullOptions): PulledStream<Agent> {
    const [p, o] = splitPull(params);
    return this.pull(() => this.n.agentsListAll(opts("agents.listAll params", p)), o);
  }

  /** An agent by id (`agent_…`) or name. */
  async get(idOrName: string, options?: CallOptions): Promise<Agent> {
    const id = str("idOrName", idOrName);
    return invoke(options?.signal, (t) => this.n.agentsGet(id, t));
  }

  /** Changes the fields given. */
  async update(agentId: string, changes: UpdateAgentRequest, options?: CallOptions): Promise<Agent> {
    const id = str("agentId", agentId);
    const json = opts("agents.update changes", changes) ?? "{}";
    return invoke(options?.signal, (t) => this.n.agentsUpdate(id, json, t));
  }

  /** Deletes (archives) an agent. */
  async delete(agentId: string, options?: CallOptions): Promise<void> {
    const id = str("agentId", agentId);
    await invoke<null>(options?.signal, (t) => this.n.agentsDelete(id, t));
  }

  /** Imports an agent from markdown with YAML front matter. */
  async importAgent(markdown: string, options?: CallOptions): Promise<Agent> {
    const md = str("markdown", markdown);
    return invoke(options?.signal, (t) => this.n.agentsImport(md, t));
  }

  /** The agent as markdown with YAML front matter. */
  async export(agentId: string, options?: CallOptions): Promise<string> {
    const id = str("agentId", agentId);
    return invoke(options?.signal, (t) => this.n.agentsExport(id, t));
  }

  /** A fresh client-side agent id (`agent_<32hex>`), for {@link AgentsClient.apply}. */
  generateId(): string {
    try {
      return this.n.agentsGenerateId();
    } catch (err) {
      throw mapNativeError(err);
    }
  }
}

/** Sessions: running conversations with a workspace of files. */
export class SessionsClient extends SubClient {
  /** Creates a session (e.g. `{ agentId, title }`). */
  async create(options?: CreateSessionRequest & CallOptions): Promise<Session> {
    const [req, signal] = split(options);
    const json = opts("sessions.create options", req);
    return invoke(signal, (t) => this.n.sessionsCreate(json, t));
  }

  /** One page of sessions (`await`), or every session (`for await`). */
  list(params?: ListSessionsParams & CallOptions): PageRequest<Session> {
    return new PageRequest(
      async () => {
        const [p, signal] = split(params);
        const json = opts("sessions.list params", p);
        return invoke(signal, (t) => this.n.sessionsList(json, t));
      },
      () => this.listAll(params),
    );
  }

  /** Every session, pages fetched on demand. */
  listAll(params?: ListSessionsParams & PullOptions): PulledStream<Session> {
    const [p, o] = splitPull(params);
    return this.pull(() => this.n.sessionsListAll(opts("sessions.listAll params", p)), o);
  }

  /** A session by id. */
  async get(sessionId: string, options?: CallOptions): Promise<Session> {
    const id = str("sessionId", sessionId);
    return invoke(options?.signal, (t) => this.n.sessionsGet(id, t));
  }

  /** Changes title, locale or tags. */
  async update(sessionId: string, changes: UpdateSessionRequest, options?: CallOptions): Promise<Session> {
    const id = str("sessionId", sessionId);
    const json = opts("sessions.update changes", changes) ?? "{}";
    return invoke(options?.signal, (t) => this.n.sessionsUpdate(id, json, t));
  }

  /** Deletes a session and its files. */
  async delete(sessionId: string, options?: CallOptions): Promise<void> {
    const id = str("sessionId", sessionId);
    await invoke<null>(options?.signal, (t) => this.n.sessionsDelete(id, t));
  }

  /** Cancels the running turn (`turn.cancelled` follows). */
  async cancel(sessionId: string, options?: CallOptions): Promise<CancelTurnResponse> {
    const id = str("sessionId", sessionId);
    return invoke(options?.signal, (t) => this.n.sessionsCancel(id, t));
  }

  /** Dev servers only: scripts the LLM simulator's replies for this session. */
  async setLlmsimScript(sessionId: string, script: LlmSimScript, options?: CallOptions): Promise<void> {
    const id = str("sessionId", sessionId);
    const json = opts("llmsim script", script) ?? "{}";
    await invoke<null>(options?.signal, (t) => this.n.sessionsSetLlmsimScript(id, json, t));
  }
}

/** Messages of a session. */
export class MessagesClient extends SubClient {
  /**
   * Sends a user message, which starts a turn. Returns once the message is stored; consume the
   * turn with `client.events.stream(sessionId)`.
   */
  async create(sessionId: string, input: string | MessageOptions, options?: CallOptions): Promise<Message> {
    const id = str("sessionId", sessionId);
    const json =
      typeof input === "string" ? JSON.stringify(input) : (opts("messages.create options", input) ?? "{}");
    return invoke(options?.signal, (t) => this.n.messagesCreate(id, json, t));
  }

  /** The session's messages, oldest first. */
  async list(sessionId: string, options?: CallOptions): Promise<Message[]> {
    const id = str("sessionId", sessionId);
    return invoke(options?.signal, (t) => this.n.messagesList(id, t));
  }
}

/** Events of a session: the polling endpoint and the resilient live stream. */
export class EventsClient extends SubClient {
  /** Stored events (filters: `sinceId`, `types`, `exclude`, `limit`, …). */
  async list(sessionId: string, params?: ListEventsParams & CallOptions): Promise<Event[]> {
    const id = str("sessionId", sessionId);
    const [p, signal] = split(params);
    const json = opts("events.list params", p);
    return invoke(signal, (t) => this.n.eventsList(id, json, t));
  }

  /**
   * The session's live events: `for await (const event of client.events.stream(id))`. Resumes
   * after disconnects without loss or duplicates; by default starts with the turn the caller
   * most recently started. `break` closes the connection.
   */
  stream(sessionId: string, options?: StreamOptions): EventStream {
    const id = str("sessionId", sessionId);
    const [o, pull] = splitPull(options);
    const json = opts("events.stream options", o);
    try {
      return new EventStream(this.n.eventsStream(id, json), pull);
    } catch (err) {
      throw mapNativeError(err, pull.signal);
    }
  }

  /** The event id the next default stream of `sessionId` starts after (undefined: the beginning). */
  defaultCursor(sessionId: string): string | undefined {
    try {
      return this.n.eventsDefaultCursor(str("sessionId", sessionId)) ?? undefined;
    } catch (err) {
      throw mapNativeError(err);
    }
  }
}

/** A session's files (`/workspace/…` is an alias of `/…`). */
export class FilesystemClient extends SubClient {
  /** Lists a directory (`/` or `/workspace` is the root). */
  async list(
    sessionId: string,
    path = "/",
    options?: { recursive?: boolean } & CallOptions,
  ): Promise<FileListing> {
    const id = str("sessionId", sessionId);
    const p = str("path", path);
    const [o, signal] = split(options);
    const json = opts("filesystem.list options", o);
    return invoke(signal, (t) => this.n.fsList(id, p, json, t));
  }

  /** Reads a file with its content. */
  async read(sessionId: string, path: string, options?: CallOptions): Promise<SessionFile> {
    const id = str("sessionId", sessionId);
    const p = str("path", path);
    return invoke(options?.signal, (t) => this.n.fsRead(id, p, t));
  }

  /** Creates a file (parents are created; `ConflictError` when it exists). */
  async create(
    sessionId: string,
    path: string,
    content = "",
    options?: CreateFileOptions & CallOptions,
  ): Promise<SessionFile> {
    const id = str("sessionId", sessionId);
    const p = str("path", path);
    const [o, signal] = split(options);
    const json = JSON.stringify({ ...(o ?? {}), content: str("content", content) });
    return invoke(signal, (t) => this.n.fsCreate(id, p, json, t));
  }

  /** Creates a directory. */
  async createDir(sessionId: string, path: string, options?: CallOptions): Promise<SessionFile> {
    const id = str("sessionId", sessionId);
    const p = str("path", path);
    return invoke(options?.signal, (t) => this.n.fsCreateDir(id, p, t));
  }

  /** Replaces a file's content. */
  async update(
    sessionId: string,
    path: string,
    content: string,
    options?: UpdateFileOptions & CallOptions,
  ): Promise<SessionFile> {
    const id = str("sessionId", sessionId);
    const p = str("path", path);
    const [o, signal] = split(options);
    const json = JSON.stringify({ ...(o ?? {}), content: str("content", content) });
    return invoke(signal, (t) => this.n.fsUpdate(id, p, json, t));
  }

  /** Deletes a file or directory (`recursive` for non-empty directories); true when deleted. */
  async delete(sessionId: string, path: string, options?: { recursive?: boolean } & CallOptions): Promise<boolean> {
    const id = str("sessionId", sessionId);
    const p = str("path", path);
    const [o, signal] = split(options);
    const json = opts("filesystem.delete options", o);
    return invoke(signal, (t) => this.n.fsDelete(id, p, json, t));
  }

  /** Moves (renames) a file or directory. */
  async move(sessionId: string, srcPath: string, dstPath: string, options?: CallOptions): Promise<SessionFile> {
    const id = str("sessionId", sessionId);
    const s = str("srcPath", srcPath);
    const d = str("dstPath", dstPath);
    return invoke(options?.signal, (t) => this.n.fsMove(id, s, d, t));
  }

  /** Copies a file. */
  async copy(sessionId: string, srcPath: string, dstPath: string, options?: CallOptions): Promise<SessionFile> {
    const id = str("sessionId", sessionId);
    const s = str("srcPath", srcPath);
    const d = str("dstPath", dstPath);
    return invoke(options?.signal, (t) => this.n.fsCopy(id, s, d, t));
  }

  /** Searches file contents with a regular expression (`pathPattern`: a glob on paths). */
  async grep(
    sessionId: string,
    pattern: string,
    options?: { pathPattern?: string } & CallOptions,
  ): Promise<GrepResult[]> {
    const id = str("sessionId", sessionId);
    const [o, signal] = split(options);
    const json = JSON.stringify({ ...(o ?? {}), pattern: str("pattern", pattern) });
    return invoke(signal, (t) => this.n.fsGrep(id, json, t));
  }

  /** Metadata of a file or directory. */
  async stat(sessionId: string, path: string, options?: CallOptions): Promise<FileStat> {
    const id = str("sessionId", sessionId);
    const p = str("path", path);
    return invoke(options?.signal, (t) => this.n.fsStat(id, p, t));
  }
}

/** The capability catalog. */
export class CapabilitiesClient extends SubClient {
  /** One page of capabilities (`await`), or every capability (`for await`). */
  list(params?: ListCapabilitiesParams & CallOptions): PageRequest<CapabilityInfo> {
    return new PageRequest(
      async () => {
        const [p, signal] = split(params);
        const json = opts("capabilities.list params", p);
        return invoke(signal, (t) => this.n.capabilitiesList(json, t));
      },
      () => this.listAll(params),
    );
  }

  /** Every capability, pages fetched on demand. */
  listAll(params?: ListCapabilitiesParams & PullOptions): PulledStream<CapabilityInfo> {
    const [p, o] = splitPull(params);
    return this.pull(() => this.n.capabilitiesListAll(opts("capabilities.listAll params", p)), o);
  }

  /** A capability by id. */
  async get(capabilityId: string, options?: CallOptions): Promise<CapabilityInfo> {
    const id = str("capabilityId", capabilityId);
    return invoke(options?.signal, (t) => this.n.capabilitiesGet(id, t));
  }
}

/** Harnesses: base environments of agents and sessions. */
export class HarnessesClient extends SubClient {
  /** Every harness. */
  async list(params?: ListHarnessesParams & CallOptions): Promise<Harness[]> {
    const [p, signal] = split(params);
    const json = opts("harnesses.list params", p);
    return invoke(signal, (t) => this.n.harnessesList(json, t));
  }

  /** A harness by id or name. */
  async get(idOrName: string, options?: CallOptions): Promise<Harness> {
    const id = str("idOrName", idOrName);
    return invoke(options?.signal, (t) => this.n.harnessesGet(id, t));
  }
}

/** LLM models. */
export class ModelsClient extends SubClient {
  /** Every model. */
  async list(params?: ListModelsParams & CallOptions): Promise<Model[]> {
    const [p, signal] = split(params);
    const json = opts("models.list params", p);
    return invoke(signal, (t) => this.n.modelsList(json, t));
  }

  /** A model by id. */
  async get(modelId: string, options?: CallOptions): Promise<Model> {
    const id = str("modelId", modelId);
    return invoke(options?.signal, (t) => this.n.modelsGet(id, t));
  }
}

/**
 * The Everruns client. One instance holds one connection pool; `close()` releases it, ends open
 * streams and rejects in-flight calls.
 *
 * ```ts
 * const client = new Everruns({ apiKey: "dev", baseUrl: "http://localhost:9300/api" });
 * const agent = await client.agents.create({ name: "Research Assistant", systemPrompt: "…" });
 * ```
 */
export class Everruns {
  /** Agents: create, list, get, update, delete, import, export. */
  readonly agents: AgentsClient;
  /** Sessions: create, list, get, update, delete, cancel. */
  readonly sessions: SessionsClient;
  /** Messages of a session. */
  readonly messages: MessagesClient;
  /** Events of a session: list and stream. */
  readonly events: EventsClient;
  /** A session's files. */
  readonly filesystem: FilesystemClient;
  /** The capability catalog. */
  readonly capabilities: CapabilitiesClient;
  /** Harnesses. */
  readonly harnesses: HarnessesClient;
  /** LLM models. */
  readonly models: ModelsClient;
  #native: NativeClient;

  /**
   * Builds a client; unset options come from `EVERRUNS_API_KEY`, `EVERRUNS_API_URL`,
   * `EVERRUNS_ORG_ID` and `EVERRUNS_DEBUG`. Throws `ConfigurationError` on bad settings.
   */
  constructor(options: ClientOptions = {}) {
    if (options === null || typeof options !== "object") {
      throw new ConfigurationError("options must be an object", { code: "invalid_config" });
    }
    try {
      this.#native = new native.NativeClient(JSON.stringify(options));
    } catch (err) {
      const e = mapNativeError(err);
      throw e.code === "invalid_input" ? new ConfigurationError(e.message, { code: "invalid_config", cause: e }) : e;
    }
    const n = this.#native;
    this.agents = new AgentsClient(n);
    this.sessions = new SessionsClient(n);
    this.messages = new MessagesClient(n);
    this.events = new EventsClient(n);
    this.filesystem = new FilesystemClient(n);
    this.capabilities = new CapabilitiesClient(n);
    this.harnesses = new HarnessesClient(n);
    this.models = new ModelsClient(n);
  }

  /** A client configured from the environment only (plus any `options` given). */
  static fromEnv(options: Omit<ClientOptions, "useEnv"> = {}): Everruns {
    return new Everruns({ ...options, useEnv: true });
  }

  /** The normalised base URL (ends with `/`). */
  get baseUrl(): string {
    try {
      return this.#native.baseUrl;
    } catch (err) {
      throw mapNativeError(err);
    }
  }

  /** The `User-Agent` / `X-SDK-Version` sent with every request. */
  get userAgent(): string {
    try {
      return this.#native.userAgent;
    } catch (err) {
      throw mapNativeError(err);
    }
  }

  /** True after {@link Everruns.close}. */
  get closed(): boolean {
    return this.#native.closed;
  }

  /** Releases the connection pool, ends open streams and rejects in-flight calls. Idempotent. */
  async close(): Promise<void> {
    this.#native.close();
  }
}
