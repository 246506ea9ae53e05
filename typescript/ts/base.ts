/**
 * @internal What the generated sub-clients (`generated/client.ts`) are made of: the event stream
 * and page request types, and the four adapters from a declared operation to the native core
 * (`call`, `pages`/`paged`, `stream`, `local`). All behaviour is the core's; these functions only
 * apply JavaScript's argument rule (positional ids and paths, one options object, an optional
 * string shorthand, `…Ms` durations sent as seconds) and adapt promises, `AbortSignal`s and
 * pulled streams.
 */
import { describe, invoke, str, type CallOptions } from "./call";
import { mapNativeError, ValidationError } from "./errors";
import { drainLogs } from "./logging";
import type { NativeClient, NativeStream } from "./native";
import { PulledStream, type PullOptions } from "./stream";
import type { Event, Page } from "./types";

/** The key under which a sub-client keeps its native client (not an enumerable method name). */
const NATIVE: unique symbol = Symbol("everruns.native");

/** Base of the generated sub-clients. */
export abstract class SubClient {
  /** @internal */
  readonly [NATIVE]: NativeClient;
  /** @internal */
  constructor(n: NativeClient) {
    this[NATIVE] = n;
  }
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

/** @internal How one operation's options are read. */
export interface Spec {
  /** The parameter a string given in place of the options object stands for. */
  shorthand?: string;
  /** Duration keys: given as `<key>Ms` milliseconds, sent as `<key>` seconds. */
  ms?: readonly string[];
  /** `entry`: the result is `{file}` or `{directory}`; resolve with the one present. */
  unwrap?: "entry";
}

/** Seconds from a `…Ms` option (validated by the core: a bad value reaches it unchanged). */
export function msToSeconds(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...o };
  for (const k of keys) {
    const v = out[`${k}Ms`];
    if (v === undefined) continue;
    delete out[`${k}Ms`];
    out[k] = typeof v === "number" ? v / 1000 : v;
  }
  return out;
}

/** The arguments of one call as JSON text, and the call's signal and pull options. */
function prepare(
  positional: Record<string, unknown>,
  options: unknown,
  spec: Spec,
): { json: string; signal?: AbortSignal; batchSize?: number } {
  for (const [k, v] of Object.entries(positional)) str(k, v);
  let o: Record<string, unknown>;
  if (options === undefined || options === null) o = {};
  else if (typeof options === "string" && spec.shorthand) o = { [spec.shorthand]: options };
  else if (typeof options === "object" && !Array.isArray(options)) o = { ...(options as Record<string, unknown>) };
  else {
    const what = spec.shorthand ? `a string or an options object` : "an options object";
    throw new ValidationError(`expected ${what}, got ${describe(options)}`, { code: "invalid_input" });
  }
  const { signal, batchSize, ...rest } = o as { signal?: AbortSignal; batchSize?: number };
  const args = msToSeconds({ ...rest, ...positional }, spec.ms ?? []);
  return { json: JSON.stringify(args), signal, batchSize };
}

/** @internal Runs a unary operation. */
export async function call<T>(
  sub: SubClient,
  op: string,
  positional: Record<string, unknown>,
  options?: unknown,
  spec: Spec = {},
): Promise<T> {
  const { json, signal } = prepare(positional, options, spec);
  let out: unknown;
  try {
    out = await invoke<unknown>(signal, (t) => sub[NATIVE].call(op, json, t));
  } finally {
    drainLogs();
  }
  if (spec.unwrap === "entry" && out !== null && typeof out === "object") {
    const e = out as { file?: unknown; directory?: unknown };
    return (e.file ?? e.directory) as T;
  }
  return out as T;
}

/** @internal Every item of a paged operation. */
export function paged<T>(
  sub: SubClient,
  op: string,
  positional: Record<string, unknown>,
  options?: unknown,
): PulledStream<T> {
  let signal: AbortSignal | undefined;
  try {
    const p = prepare(positional, options, {});
    signal = p.signal;
    return new PulledStream<T>(sub[NATIVE].paged(op, p.json), { signal, batchSize: p.batchSize });
  } catch (err) {
    throw mapNativeError(err, signal);
  }
}

/** @internal One page (`await`) or every item (`for await`) of a listing. */
export function pages<T>(
  sub: SubClient,
  op: string,
  allOp: string,
  positional: Record<string, unknown>,
  options?: CallOptions,
): PageRequest<T> {
  return new PageRequest<T>(
    () => call<Page<T>>(sub, op, positional, options),
    () => paged<T>(sub, allOp, positional, options),
  );
}

/** @internal Opens a stream operation. */
export function stream(
  sub: SubClient,
  op: string,
  positional: Record<string, unknown>,
  options?: unknown,
  spec: Spec = {},
): EventStream {
  let signal: AbortSignal | undefined;
  try {
    const p = prepare(positional, options, spec);
    signal = p.signal;
    return new EventStream(sub[NATIVE].stream(op, p.json), { signal, batchSize: p.batchSize });
  } catch (err) {
    throw mapNativeError(err, signal);
  }
}

/** @internal Runs a local operation (no I/O). */
export function local<T>(sub: SubClient, op: string, positional: Record<string, unknown>): T {
  try {
    const { json } = prepare(positional, undefined, {});
    const out = JSON.parse(sub[NATIVE].local(op, json)) as T | null;
    return (out ?? undefined) as T;
  } catch (err) {
    throw mapNativeError(err);
  }
}

export type { CallOptions, PullOptions };
