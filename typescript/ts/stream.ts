/**
 * The stream adapter: a native stream pulled in batches, exposed as an `AsyncIterableIterator`.
 *
 * Nothing is read unless the iterator is asked; `break` (which calls `return()`), `abort()`, the
 * stream's `signal` or the client's `close()` close the native stream and its connection.
 */
import { drainLogs } from "./logging";
import { abortError, mapNativeError } from "./errors";
import type { NativeStream } from "./native";

/** Options of a pulled stream. */
export interface PullOptions {
  /** Aborts the iteration: a pending `next()` rejects with an `AbortError`. */
  signal?: AbortSignal;
  /** Most items fetched from the addon per call (default 256). */
  batchSize?: number;
}

/** An async iterator over items pulled from the native core in batches. */
export class PulledStream<T> implements AsyncIterableIterator<T> {
  #native: NativeStream;
  #buf: T[] = [];
  #pos = 0;
  #done = false;
  #aborted = false;
  #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;
  #batch: number;
  #queue: Promise<unknown> = Promise.resolve();
  /** Calls queued behind a pull (served in order by `#next`). */
  #waiting = 0;

  /** @internal */
  constructor(nativeStream: NativeStream, options: PullOptions = {}) {
    this.#native = nativeStream;
    this.#batch = Math.max(1, Math.min(options.batchSize ?? 256, 65536));
    this.#signal = options.signal;
    if (this.#signal) {
      if (this.#signal.aborted) {
        this.#aborted = true;
        this.#close();
      } else {
        this.#onAbort = () => {
          this.#aborted = true;
          this.#close();
        };
        this.#signal.addEventListener("abort", this.#onAbort, { once: true });
      }
    }
  }

  /** The next item; calls are served in order. */
  next(): Promise<IteratorResult<T>> {
    // Fast path: nothing queued and the item already pulled (most calls, batches are large).
    if (this.#waiting === 0 && this.#pos < this.#buf.length) {
      this.#native.ack(1);
      return Promise.resolve({ value: this.#buf[this.#pos++] as T, done: false });
    }
    this.#waiting++;
    const p = this.#queue.then(() => this.#next()).finally(() => this.#waiting--);
    this.#queue = p.catch(() => undefined);
    return p;
  }

  async #next(): Promise<IteratorResult<T>> {
    if (this.#pos < this.#buf.length) {
      // Handed to user code now: only now does an event move the resume cursor.
      this.#native.ack(1);
      return { value: this.#buf[this.#pos++] as T, done: false };
    }
    if (this.#aborted) {
      this.#close();
      throw abortError(this.#signal);
    }
    if (this.#done) return { value: undefined, done: true };
    let json: string | null;
    try {
      json = await this.#native.nextBatch(this.#batch);
      drainLogs();
    } catch (err) {
      drainLogs();
      this.#close();
      throw mapNativeError(err, this.#signal);
    }
    if (json === null) {
      this.#close();
      if (this.#aborted) throw abortError(this.#signal);
      return { value: undefined, done: true };
    }
    this.#buf = JSON.parse(json) as T[];
    this.#pos = 1;
    this.#native.ack(1);
    return { value: this.#buf[0] as T, done: false };
  }

  /** Ends the iteration and closes the connection (what `break` in `for await` calls). */
  async return(): Promise<IteratorResult<T>> {
    this.#close();
    return { value: undefined, done: true };
  }

  /** Stops the stream now: the connection closes and iteration ends (no error). */
  abort(): void {
    this.#close();
  }

  /** True once the stream ended or was closed. */
  get closed(): boolean {
    return this.#done;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #close(): void {
    if (!this.#done) {
      this.#done = true;
      this.#native.close();
    }
    this.#buf = [];
    this.#pos = 0;
    if (this.#signal && this.#onAbort) {
      this.#signal.removeEventListener("abort", this.#onAbort);
      this.#onAbort = undefined;
    }
  }
}
