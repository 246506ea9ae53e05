/**
 * Public types. The wire types (results and request options) are generated from the core in
 * `generated/wire.ts`; the few SDK-level shapes below are the bridge's own.
 */
import type { Event, EventDataMap, FileInfo } from "./generated/wire";

export * from "./generated/wire";

/** The event types whose `data` the SDK knows the shape of. */
export type KnownEventType = keyof EventDataMap;

/**
 * An event of a known type with its typed `data` (keys as on the wire), e.g.
 * `KnownEvent<"output.message.delta">`. Narrow a stream's `Event` with `isEventType`.
 */
export type KnownEvent<K extends KnownEventType = KnownEventType> = {
  [T in K]: Event & { type: T; data: EventDataMap[T] };
}[K];

/** One page of an offset/limit listing. */
export interface Page<T> {
  /** Items of this page. */
  data: T[];
  /** Matching items over all pages. */
  total: number;
  /** Offset of this page. */
  offset: number;
  /** Page size of this page. */
  limit: number;
  /** Absolute URL of the next page; absent on the last page. */
  nextUrl?: string | null;
  /** Absolute URL of the previous page; absent on the first page. */
  prevUrl?: string | null;
}

/** A directory listing (`filesystem.list`). */
export interface FileListing {
  /** The path that was listed, as given. */
  path: string;
  /** The entries (no content). */
  entries: FileInfo[];
}

/** Settings of an {@link Everruns} client. Unset values come from the environment. */
export interface ClientOptions {
  /** Token sent raw in `Authorization` (env `EVERRUNS_API_KEY`). */
  apiKey?: string;
  /** Base URL including `/api` (env `EVERRUNS_API_URL`, default `http://localhost:9300/api`). */
  baseUrl?: string;
  /** Organization sent as `X-Org-Id` (env `EVERRUNS_ORG_ID`). */
  orgId?: string;
  /** Whole-request timeout of REST calls in milliseconds (default 30000). Streams have none. */
  timeoutMs?: number;
  /** TCP/TLS connect timeout in milliseconds (default 10000). */
  connectTimeoutMs?: number;
  /** Retries after the first attempt (default 3; 0 disables). */
  maxRetries?: number;
  /** First backoff delay in milliseconds (default 500). */
  retryBaseDelayMs?: number;
  /** Backoff cap in milliseconds (default 8000). */
  retryMaxDelayMs?: number;
  /** Longest `Retry-After` honoured, in milliseconds (default 60000). */
  maxRetryAfterMs?: number;
  /** Log every request (env `EVERRUNS_DEBUG`). */
  debug?: boolean;
  /** Read unset values from the environment (default true). */
  useEnv?: boolean;
}

/** Options of `events.stream`. */
export interface StreamOptions {
  /** Start strictly after this event (overrides the per-session default cursor). */
  sinceId?: string;
  /** Replay the whole history (ignored when `sinceId` is set). */
  fromBeginning?: boolean;
  /** Only these event types (framing events always come). */
  types?: string[];
  /** Not these event types. */
  exclude?: string[];
  /** Unexpected disconnects tolerated in a row (default unlimited). */
  maxRetries?: number;
  /** Reconnect when no bytes arrive for this long, in ms (default 45000; 0 disables). */
  livenessTimeoutMs?: number;
  /** Reconnect when no event arrives for this long, in ms (default off). */
  stallTimeoutMs?: number;
  /** Time allowed for one connection's response headers, in ms (default 30000). */
  connectTimeoutMs?: number;
  /** Largest accepted event in bytes (default 16 MiB). */
  maxEventBytes?: number;
  /** First reconnect delay in ms (default 1000; doubles, jittered). */
  initialBackoffMs?: number;
  /** Reconnect delay cap in ms (default 30000). */
  maxBackoffMs?: number;
  /** Aborts the stream: a pending `next()` rejects with an `AbortError`. */
  signal?: AbortSignal;
  /** Most events fetched from the addon per call (default 256). */
  batchSize?: number;
}

/** Options of `messages.create` beyond plain text. */
export interface MessageOptions {
  /** Shorthand for one text part. */
  text?: string;
  /** The message with explicit content parts (instead of `text`). */
  message?: import("./generated/wire").InputMessage;
  /** Per-turn overrides. */
  controls?: import("./generated/wire").Controls;
  /** Stored with the message. */
  metadata?: { [key: string]: unknown };
  /** Tags. */
  tags?: string[];
}

/** Options of `filesystem.create`. */
export interface CreateFileOptions {
  /** `text` (default) or `base64`. */
  encoding?: "text" | "base64";
  /** Create the file read-only. */
  isReadonly?: boolean;
}

/** Options of `filesystem.update`. */
export interface UpdateFileOptions {
  /** `text` (default) or `base64`. */
  encoding?: "text" | "base64";
  /** New read-only flag. */
  isReadonly?: boolean;
}
