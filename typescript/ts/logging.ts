/**
 * Logging through an application's logger. The core's records (request lines, reconnects) are
 * queued natively and pulled here after every call and every stream batch. Nothing is logged
 * unless a client is given a `logger`, or `debug: true` / `EVERRUNS_DEBUG` (then requests are
 * logged at `info`, token redacted, to `console.error` unless a `logger` is given).
 */
import { native } from "./native";

/** Where the SDK's log records go (e.g. `console`, pino or winston loggers). */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const consoleLogger: Logger = {
  debug: (m) => console.error(`everruns debug: ${m}`),
  info: (m) => console.error(`everruns info: ${m}`),
  warn: (m) => console.error(`everruns warn: ${m}`),
  error: (m) => console.error(`everruns error: ${m}`),
};

let sink: Logger | undefined;

/** @internal Called by each client: a `logger`, or debug mode (as the core resolved it), turns logging on. */
export function configureLogging(logger: Logger | undefined, debug: boolean): void {
  if (logger) {
    sink = logger;
    native.setLogLevel("debug");
  } else if (debug) {
    sink ??= consoleLogger;
    native.setLogLevel("info");
  }
}

/** @internal Hands the queued records to the logger. */
export function drainLogs(): void {
  if (!sink) return;
  const json = native.takeLogs();
  if (!json) return;
  for (const r of JSON.parse(json) as { level: keyof Logger; message: string }[]) {
    try {
      sink[r.level](r.message);
    } catch {
      // A failing logger must not fail the call that logged.
    }
  }
}
