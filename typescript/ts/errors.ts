/**
 * Error classes of the Everruns SDK.
 *
 * Every error the SDK throws is an {@link EverrunsError}. The native core classifies failures
 * (HTTP status → kind); {@link mapNativeError} is the one place that turns the addon's structured
 * payload into the matching class, so `instanceof` works as usual:
 *
 * ```text
 * EverrunsError
 * ├── ApiError (status, code, requestId)
 * │   ├── ValidationError        400 / 422, or arguments rejected before sending (status undefined)
 * │   ├── AuthenticationError    401
 * │   ├── PermissionDeniedError  403
 * │   ├── NotFoundError          404
 * │   ├── ConflictError          409
 * │   ├── RateLimitError         429 (retryAfterMs)
 * │   └── ServerError            5xx
 * ├── NetworkError               connection failures (connect: true when nothing reached the server)
 * ├── TimeoutError               request, connect, liveness or stall timeouts
 * ├── StreamError                the event stream gave up
 * ├── DecodeError                a response that does not decode
 * ├── ConfigurationError         bad client settings
 * ├── AbortError                 aborted through an AbortSignal (name "AbortError")
 * └── ClientClosedError          the client was closed
 * ```
 */

/** Base class of every error the SDK throws. */
export class EverrunsError extends Error {
  /** Stable snake_case code (`unknown` when the server sent none). */
  readonly code: string;
  /** HTTP status, when a response was received. */
  readonly status: number | undefined;
  /** The server's `X-Request-Id`, when it sent one. */
  readonly requestId: string | undefined;

  constructor(
    message: string,
    options: { code?: string; status?: number; requestId?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? "unknown";
    this.status = options.status;
    this.requestId = options.requestId;
  }
}

/** The server answered with an error status. */
export class ApiError extends EverrunsError {}
/** The request was rejected as invalid (400/422), or its arguments were rejected before sending. */
export class ValidationError extends ApiError {}
/** Missing or invalid credentials (401). */
export class AuthenticationError extends ApiError {}
/** The credentials do not allow this operation (403), e.g. writing a read-only file. */
export class PermissionDeniedError extends ApiError {}
/** The resource does not exist (404). */
export class NotFoundError extends ApiError {}
/** The request conflicts with the current state (409). */
export class ConflictError extends ApiError {}
/** The server failed (5xx) after the core's retries. */
export class ServerError extends ApiError {}

/** Too many requests (429) after the core's retries. */
export class RateLimitError extends ApiError {
  /** How long the server asked to wait, in milliseconds, when it said. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    options: {
      code?: string;
      status?: number;
      requestId?: string;
      retryAfterMs?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, { status: 429, ...options });
    this.retryAfterMs = options.retryAfterMs;
  }

  /** {@link retryAfterMs} in seconds. */
  get retryAfter(): number | undefined {
    return this.retryAfterMs === undefined ? undefined : this.retryAfterMs / 1000;
  }
}

/** The server could not be reached, or the connection broke. */
export class NetworkError extends EverrunsError {
  /** True when the connection could not be established (the request provably never arrived). */
  readonly connect: boolean;

  constructor(
    message: string,
    options: { code?: string; connect?: boolean; cause?: unknown } = {},
  ) {
    super(message, { code: options.code ?? "network_error", cause: options.cause });
    this.connect = options.connect ?? false;
  }
}

/**
 * A TLS handshake failed because of a certificate (not retried). `code` names the cause:
 * `tls_unknown_issuer` (set `caCert` or `SSL_CERT_FILE`), `tls_certificate_expired`,
 * `tls_hostname_mismatch`, `tls_client_certificate_required` (set `clientCert`),
 * `tls_client_certificate_rejected` or `tls_handshake_failed`.
 */
export class TlsError extends NetworkError {}

/** A request, connect, liveness or stall timeout fired. */
export class TimeoutError extends EverrunsError {}
/** Alias of {@link TimeoutError} (the Python SDK's name). */
export const EverrunsTimeoutError = TimeoutError;
/** The event stream could not continue. */
export class StreamError extends EverrunsError {}
/** A response body could not be decoded. */
export class DecodeError extends EverrunsError {}
/** Invalid client configuration (base URL, token, organization id, …). */
export class ConfigurationError extends EverrunsError {}
/** The operation was aborted through its `AbortSignal` (`cause` is the signal's reason). */
export class AbortError extends EverrunsError {}
/** The client was closed before or during the call. */
export class ClientClosedError extends EverrunsError {}
/**
 * The turn a one-call `run` followed ended with `turn.failed` (or was cancelled: `code ===
 * "turn_cancelled"`); `code` is the event's `error_code`.
 */
export class TurnFailedError extends EverrunsError {}

/** The structured error the addon attaches (see `src/errors.rs`). */
interface NativePayload {
  kind: string;
  message: string;
  status?: number;
  code: string;
  requestId?: string;
  retryAfterMs?: number;
  connect?: boolean;
  display: string;
}

let marker: string | undefined;

/** @internal Sets the addon's error marker (done once when the addon loads). */
export function setErrorMarker(value: string): void {
  marker = value;
}

/** @internal Parses the addon's payload out of an error, if it carries one. */
export function nativePayload(err: unknown): NativePayload | undefined {
  if (marker === undefined || !(err instanceof Error)) return undefined;
  const msg = err.message;
  if (!msg.startsWith(marker)) return undefined;
  try {
    return JSON.parse(msg.slice(marker.length)) as NativePayload;
  } catch {
    return undefined;
  }
}

/**
 * @internal The one error mapper: turns whatever the addon threw into an {@link EverrunsError}
 * subclass. Errors that are already `EverrunsError`s pass through.
 */
export function mapNativeError(err: unknown, signal?: AbortSignal): EverrunsError {
  if (err instanceof EverrunsError) return err;
  const p = nativePayload(err);
  if (p === undefined) {
    const message = err instanceof Error ? err.message : String(err);
    return new EverrunsError(message, { code: "native_error", cause: err });
  }
  const base = { code: p.code, status: p.status, requestId: p.requestId };
  const msg = p.message || p.display;
  switch (p.kind) {
    case "Validation":
      return new ValidationError(msg, base);
    case "Authentication":
      return new AuthenticationError(msg, base);
    case "Permission":
      return new PermissionDeniedError(msg, base);
    case "NotFound":
      return new NotFoundError(msg, base);
    case "Conflict":
      return new ConflictError(msg, base);
    case "RateLimited":
      return new RateLimitError(msg, { ...base, retryAfterMs: p.retryAfterMs });
    case "Server":
      return new ServerError(msg, base);
    case "Api":
      return new ApiError(msg, base);
    case "Network":
      return new NetworkError(msg, { code: p.code, connect: p.connect });
    case "Tls":
      return new TlsError(msg, { code: p.code, connect: true });
    case "Timeout":
      return new TimeoutError(msg, { code: p.code });
    case "Stream":
      return new StreamError(msg, { code: p.code });
    case "Decode":
      return new DecodeError(msg, base);
    case "Config":
      return new ConfigurationError(msg, { code: p.code });
    case "Aborted":
      return abortError(signal);
    case "Closed":
    case "ClientClosed":
      return new ClientClosedError(msg, { code: p.code });
    case "TurnFailed":
      return new TurnFailedError(msg, { code: p.code });
    default:
      return new EverrunsError(msg, base);
  }
}

/** @internal The error a call rejects with when its signal fired. */
export function abortError(signal?: AbortSignal): AbortError {
  return new AbortError("the operation was aborted", {
    code: "aborted",
    cause: signal?.reason,
  });
}
