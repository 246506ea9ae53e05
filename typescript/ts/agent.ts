/**
 * `AgentClient`: call one agent from an application through the Agent Execution API, with an
 * agent key (`evr_ak_…`) that reaches that agent's channel routes and nothing else. Every
 * method runs in the Rust core (`everruns_core::agent_client`); this file only names things
 * the JavaScript way.
 *
 * ```ts
 * const agent = new AgentClient(); // EVERRUNS_AGENT_URL, EVERRUNS_AGENT_KEY
 * console.log(await agent.run("What is the status of order 42?"));
 * await agent.close();
 * ```
 */
import { EventStream } from "./base";
import { type CallOptions, invoke, str } from "./call";
import { mapNativeError } from "./errors";
import { native } from "./native";
import type { Event } from "./types";

type NativeAgentClient = InstanceType<typeof native.NativeAgentClient>;

/** Settings of an {@link AgentClient}. */
export interface AgentClientOptions {
  /** `{api}/v1/channels/{channelId}`; defaults to `EVERRUNS_AGENT_URL`. */
  agentUrl?: string;
  /** Agent key `evr_ak_…` (or a runtime token); defaults to `EVERRUNS_AGENT_KEY`. */
  credential?: string;
  /** Act for this end user (`End-User`; the key needs `end_user`). */
  endUser?: string;
  /** Whole-request timeout of REST calls, in milliseconds (default 30000). */
  timeoutMs?: number;
  /** Retries of a failed REST call (default 3). */
  maxRetries?: number;
  /** Log every request (token redacted). */
  debug?: boolean;
  /** Read unset values from the environment (default true). */
  readEnv?: boolean;
}

/** A session as a channel caller sees it. */
export interface AgentSession {
  id: string;
  title?: string;
  status: string;
  lastTurnStatus?: string;
  pendingQuestions?: unknown[];
  pendingApprovals?: unknown[];
  createdAt: string;
  updatedAt: string;
}

/** Options of {@link AgentClient.streamEvents}. */
export interface AgentStreamOptions {
  /** Resume strictly after this event. */
  sinceId?: string;
  /** Start after this sequence (`0` replays the whole session). */
  afterSequence?: number;
  /** Unexpected disconnects tolerated in a row (default unlimited). */
  maxRetries?: number;
  /** Aborts the stream. */
  signal?: AbortSignal;
}

/** The core's declaration of every `AgentClient` method (what the parity test compares). */
export const AGENT_OPERATIONS: { name: string; kind: string; params: { name: string }[] }[] =
  JSON.parse(native.agentOperations()).operations;

/** A client of one agent's Agent Execution API. */
export class AgentClient {
  #n: NativeAgentClient;
  #owns: boolean;

  constructor(options: AgentClientOptions = {}, nativeClient?: NativeAgentClient) {
    this.#owns = nativeClient === undefined;
    if (nativeClient) {
      this.#n = nativeClient;
    } else {
      const settings = {
        agentUrl: options.agentUrl,
        agentKey: options.credential,
        endUser: options.endUser,
        timeout: options.timeoutMs === undefined ? undefined : options.timeoutMs / 1000,
        maxRetries: options.maxRetries,
        debug: options.debug,
        readEnv: options.readEnv,
      };
      try {
        this.#n = new native.NativeAgentClient(JSON.stringify(settings));
      } catch (err) {
        throw mapNativeError(err);
      }
    }
  }

  /** The agent URL. */
  get agentUrl(): string {
    return this.#n.agentUrl;
  }

  /** The end user this client acts for, if any. */
  get endUser(): string | undefined {
    return this.#n.endUser ?? undefined;
  }

  /** A client acting for one of your application's users, sharing this one's connections. */
  forEndUser(endUser: string): AgentClient {
    try {
      const derived = new AgentClient({}, this.#n.forEndUser(str("endUser", endUser)));
      return derived;
    } catch (err) {
      throw mapNativeError(err);
    }
  }

  #call<T>(op: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
    return invoke<T>(signal, (token) => this.#n.call(op, JSON.stringify(args), token));
  }

  /** The agent card: name, description, accepted input and credentials. */
  card(options: CallOptions = {}): Promise<Record<string, unknown>> {
    return this.#call("card", {}, options.signal);
  }

  /** Starts a session; a retry with the same `idempotencyKey` returns the first one. */
  createSession(
    options: { title?: string; idempotencyKey?: string } & CallOptions = {},
  ): Promise<AgentSession> {
    const { signal, ...args } = options;
    return this.#call("create_session", args, signal);
  }

  /** This caller's sessions, most recently active first. */
  listSessions(
    options: { limit?: number; pageToken?: string } & CallOptions = {},
  ): Promise<{ data: AgentSession[]; nextPageToken?: string }> {
    const { signal, ...args } = options;
    return this.#call("list_sessions", args, signal);
  }

  /** One session, with `pendingQuestions` and `pendingApprovals`. */
  getSession(sessionId: string, options: CallOptions = {}): Promise<AgentSession> {
    return this.#call("get_session", { sessionId: str("sessionId", sessionId) }, options.signal);
  }

  /** Sends a user text message, which starts a turn. */
  sendMessage(
    sessionId: string,
    text: string,
    options: { idempotencyKey?: string } & CallOptions = {},
  ): Promise<{ id: string; sequence?: number } & Record<string, unknown>> {
    const { signal, ...rest } = options;
    return this.#call(
      "send_message",
      { sessionId: str("sessionId", sessionId), text: str("text", text), ...rest },
      signal,
    );
  }

  /** Cancels the running turn. */
  cancel(sessionId: string, options: CallOptions = {}): Promise<Record<string, unknown>> {
    return this.#call("cancel", { sessionId: str("sessionId", sessionId) }, options.signal);
  }

  /** Events oldest first; page forward with `afterSequence` (exclusive). */
  listEvents(
    sessionId: string,
    options: { afterSequence?: number; limit?: number } & CallOptions = {},
  ): Promise<Event[]> {
    const { signal, ...rest } = options;
    return this.#call("list_events", { sessionId: str("sessionId", sessionId), ...rest }, signal);
  }

  /** Follows the session's events live with the SDK's reconnect rules. */
  streamEvents(sessionId: string, options: AgentStreamOptions = {}): EventStream {
    const { signal, ...rest } = options;
    try {
      const s = this.#n.stream(
        "stream_events",
        JSON.stringify({ sessionId: str("sessionId", sessionId), ...rest }),
      );
      return new EventStream(s, { signal });
    } catch (err) {
      throw mapNativeError(err);
    }
  }

  /** Answers the agent's `ask_user` question set (the body is passed through). */
  answerQuestions(sessionId: string, answers: unknown, options: CallOptions = {}): Promise<unknown> {
    return this.#call(
      "answer_questions",
      { sessionId: str("sessionId", sessionId), answers },
      options.signal,
    );
  }

  /** Allows or rejects held-back tool calls (the body is passed through). */
  submitToolApprovals(
    sessionId: string,
    decisions: unknown,
    options: CallOptions = {},
  ): Promise<unknown> {
    return this.#call(
      "submit_tool_approvals",
      { sessionId: str("sessionId", sessionId), decisions },
      options.signal,
    );
  }

  /** A short-lived token for this client's end user (call it on `forEndUser`). */
  runtimeToken(options: CallOptions = {}): Promise<{
    accessToken: string;
    tokenType: string;
    expiresIn: number;
    virtualUserId: string;
  }> {
    return this.#call("runtime_token", {}, options.signal);
  }

  /**
   * Sends `text` (in a new session unless `sessionId` is given), follows the turn it starts
   * exactly once, and resolves with the agent's final text; rejects with `TurnFailedError` when
   * that turn fails or is cancelled.
   */
  run(text: string, sessionId?: string, options: CallOptions = {}): Promise<string> {
    const args: Record<string, unknown> = { text: str("text", text) };
    if (sessionId !== undefined) args.sessionId = str("sessionId", sessionId);
    return this.#call("run", args, options.signal);
  }

  /** Closes the client (a no-op on a client made with `forEndUser`). */
  async close(): Promise<void> {
    if (this.#owns) this.#n.close();
  }
}
