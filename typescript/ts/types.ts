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

export type {
  ClientOptions,
  RequestOptions,
  EventsStreamOptions,
  MessagesCreateOptions,
  FilesystemCreateOptions,
  FilesystemUpdateOptions,
} from "./generated/client";

/** Options of `events.stream`: the stream's settings and how it is pulled. */
export type StreamOptions = import("./generated/client").EventsStreamOptions & import("./stream").PullOptions;
/** Options of `messages.create` beyond plain text. */
export type MessageOptions = import("./generated/client").MessagesCreateOptions;
/** Options of `filesystem.create`. */
export type CreateFileOptions = import("./generated/client").FilesystemCreateOptions;
/** Options of `filesystem.update`. */
export type UpdateFileOptions = import("./generated/client").FilesystemUpdateOptions;
