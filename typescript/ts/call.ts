/** @internal The future adapter: runs one native call with optional `AbortSignal` support. */
import { abortError, mapNativeError, ValidationError } from "./errors";
import { native, type CancelToken } from "./native";

/** Options every call accepts. */
export interface CallOptions {
  /** Aborts the call: the promise rejects with an `AbortError` and the HTTP request is dropped. */
  signal?: AbortSignal;
}

/**
 * Runs `start` (a native method returning a promise of JSON text) and parses its result. A fired
 * `signal` cancels the native future (and so its HTTP request); every failure is mapped to an
 * `EverrunsError` subclass.
 */
export async function invoke<T>(
  signal: AbortSignal | undefined,
  start: (token: CancelToken | undefined) => Promise<string>,
): Promise<T> {
  if (signal?.aborted) throw abortError(signal);
  let token: CancelToken | undefined;
  let onAbort: (() => void) | undefined;
  if (signal) {
    const t = new native.CancelToken();
    token = t;
    onAbort = () => t.cancel();
    signal.addEventListener("abort", onAbort, { once: true });
  }
  try {
    const json = await start(token);
    return JSON.parse(json) as T;
  } catch (err) {
    throw mapNativeError(err, signal);
  } finally {
    if (signal && onAbort) signal.removeEventListener("abort", onAbort);
  }
}

/** Checks that an argument is a string (plain JavaScript callers get a clear error). */
export function str(name: string, value: unknown): string {
  if (typeof value !== "string") {
    throw new ValidationError(`${name} must be a string, got ${describe(value)}`, {
      code: "invalid_input",
    });
  }
  return value;
}

/** How a value is named in error messages. */
export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v;
}
