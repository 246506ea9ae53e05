/**
 * The `Everruns` client. Its sub-clients (`agents`, `sessions`, …) are generated from the core's
 * operation table (`generated/client.ts`); every behaviour (retries, timeouts, URLs, auth,
 * pagination, the SSE reconnect machine and the per-session stream cursor) is the core's.
 */
import { msToSeconds } from "./base";
import { ConfigurationError, mapNativeError } from "./errors";
import {
  CLIENTOPTIONS_MS_KEYS,
  REQUESTOPTIONS_MS_KEYS,
  SubClients,
  type ClientOptions,
  type RequestOptions,
} from "./generated/client";
import { configureLogging, type Logger } from "./logging";
import { native, type NativeClient } from "./native";
import type { Event, KnownEvent, KnownEventType } from "./types";

export { EventStream, PageRequest } from "./base";
export type { CallOptions, PullOptions } from "./base";
export type { Logger } from "./logging";
export {
  AgentsClient,
  SessionsClient,
  MessagesClient,
  EventsClient,
  FilesystemClient,
  CapabilitiesClient,
  HarnessesClient,
  ModelsClient,
  WorkspacesClient,
  WorkspaceFilesClient,
  MemoriesClient,
  BudgetsClient,
  ConnectionsClient,
} from "./generated/client";

/**
 * True when `event` is of type `type`; narrows it to {@link KnownEvent} so that `event.data`
 * has that type's fields (`if (isEventType(e, "output.message.delta")) e.data.delta`).
 */
export function isEventType<K extends KnownEventType>(event: Event, type: K): event is KnownEvent<K> {
  return event.type === type;
}

function settingsJson(what: string, options: object, msKeys: readonly string[]): string {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new ConfigurationError(`${what} must be an object`, { code: "invalid_config" });
  }
  return JSON.stringify(msToSeconds(options as Record<string, unknown>, msKeys));
}

/** A client's settings: the core's (`ClientOptions`) and where its log records go. */
export type EverrunsOptions = ClientOptions & {
  /** Receives the SDK's log records (request lines with `debug`, reconnects); see `Logger`. */
  logger?: Logger;
};

/**
 * The Everruns client. One instance holds one connection pool; `close()` releases it, ends open
 * streams and rejects in-flight calls.
 *
 * ```ts
 * const client = new Everruns({ apiKey: "dev", baseUrl: "http://localhost:9300/api" });
 * const agent = await client.agents.create({ name: "Research Assistant", systemPrompt: "…" });
 * ```
 */
export class Everruns extends SubClients {
  #native: NativeClient;

  /**
   * Builds a client; unset options come from `EVERRUNS_API_KEY`, `EVERRUNS_API_URL`,
   * `EVERRUNS_ORG_ID` and `EVERRUNS_DEBUG`. Throws `ConfigurationError` on bad settings.
   */
  constructor(options: EverrunsOptions = {}, nativeClient?: NativeClient) {
    let n: NativeClient;
    if (nativeClient) {
      n = nativeClient;
    } else {
      const { logger, ...settings } = (options ?? {}) as EverrunsOptions;
      const json = settingsJson("options", settings, CLIENTOPTIONS_MS_KEYS);
      try {
        n = new native.NativeClient(json);
      } catch (err) {
        throw mapNativeError(err);
      }
      configureLogging(logger, n.debug);
    }
    super(n);
    this.#native = n;
  }

  /** A client configured from the environment only (plus any `options` given). */
  static fromEnv(options: Omit<EverrunsOptions, "readEnv"> = {}): Everruns {
    return new Everruns({ ...options, readEnv: true });
  }

  /**
   * A client sharing this one's connections, caches and closed state whose calls use these
   * settings (`timeoutMs`, `maxRetries`, `idempotencyKey`, `headers`).
   */
  withOptions(options: RequestOptions): Everruns {
    const json = settingsJson("withOptions options", options, REQUESTOPTIONS_MS_KEYS);
    try {
      return new Everruns({}, this.#native.withOptions(json));
    } catch (err) {
      throw mapNativeError(err);
    }
  }

  /**
   * A client sharing this one's connections whose every request records `reason` as its
   * change reason (`Everruns-Change-Reason`, percent-encoded UTF-8): stored on the agent
   * version a change creates and in a new session's `session.started` event.
   */
  withReason(reason: string): Everruns {
    return this.withOptions({ reason });
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

  /** The `X-Org-Id` sent, if any. */
  get orgId(): string | undefined {
    try {
      return this.#native.orgId ?? undefined;
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
