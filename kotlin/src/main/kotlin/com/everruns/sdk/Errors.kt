package com.everruns.sdk

import com.everruns.sdk.internal.NativeException

/**
 * Every failure of the SDK. The class is chosen from the core's error kind
 * (`everruns_core::client::Error::kind`) in one table ([toEverruns]); `when` over it is
 * exhaustive.
 *
 * @property code stable error code (`not_found`, `validation_error`, …)
 * @property status HTTP status, when there was a response
 * @property requestId the server's `X-Request-Id`, when there was one
 */
public sealed class EverrunsException(
    message: String,
    public val code: String,
    public val status: Int?,
    public val requestId: String?,
) : Exception(message)

/** The server answered with an error status (the subclasses name the common ones). */
public open class ApiException(message: String, code: String, status: Int?, requestId: String?) :
    EverrunsException(message, code, status, requestId)

/** 404: the addressed resource does not exist. */
public class NotFoundException(message: String, code: String, status: Int?, requestId: String?) :
    ApiException(message, code, status, requestId)

/** Bad arguments: rejected by the core before sending, or a 400/422 from the server. */
public class ValidationException(message: String, code: String, status: Int?, requestId: String?) :
    ApiException(message, code, status, requestId)

/** 401: missing or wrong API key. */
public class AuthenticationException(message: String, code: String, status: Int?, requestId: String?) :
    ApiException(message, code, status, requestId)

/** 403: the key may not do this. */
public class PermissionDeniedException(message: String, code: String, status: Int?, requestId: String?) :
    ApiException(message, code, status, requestId)

/** 409: conflicting state (e.g. a turn is already running). */
public class ConflictException(message: String, code: String, status: Int?, requestId: String?) :
    ApiException(message, code, status, requestId)

/** 429, after the core's retries; [retryAfterMs] is the server's requested wait. */
public class RateLimitException(
    message: String,
    code: String,
    status: Int?,
    requestId: String?,
    public val retryAfterMs: Long?,
) : ApiException(message, code, status, requestId)

/** 5xx, after the core's retries. */
public class ServerException(message: String, code: String, status: Int?, requestId: String?) :
    ApiException(message, code, status, requestId)

/** The connection failed (refused, reset, DNS). */
public class NetworkException(message: String, code: String) : EverrunsException(message, code, null, null)

/** A request or connection timed out. */
public class TimeoutException(message: String, code: String) : EverrunsException(message, code, null, null)

/** A response (or JSON text) could not be decoded. */
public class DecodeException(message: String, code: String, status: Int?, requestId: String?) :
    EverrunsException(message, code, status, requestId)

/** The event stream gave up (retries exhausted, oversized event, stall). */
public class StreamException(message: String, code: String) : EverrunsException(message, code, null, null)

/** Bad client settings. */
public class ConfigException(message: String, code: String) : EverrunsException(message, code, null, null)

/** The client was closed. */
public class ClientClosedException(message: String, code: String) : EverrunsException(message, code, null, null)

/** The native call was aborted. */
public class AbortedException(message: String, code: String) : EverrunsException(message, code, null, null)

/** The one table from the core's error kind to the exception class. */
internal fun NativeException.toEverruns(): EverrunsException {
    val f = this as NativeException.Failure
    val st = f.status?.toInt()
    val msg = f.display
    return when (f.kind) {
        "NotFound" -> NotFoundException(msg, f.code, st, f.requestId)
        "Validation" -> ValidationException(msg, f.code, st, f.requestId)
        "Authentication" -> AuthenticationException(msg, f.code, st, f.requestId)
        "Permission" -> PermissionDeniedException(msg, f.code, st, f.requestId)
        "Conflict" -> ConflictException(msg, f.code, st, f.requestId)
        "RateLimited" -> RateLimitException(msg, f.code, st, f.requestId, f.retryAfterMs?.toLong())
        "Server" -> ServerException(msg, f.code, st, f.requestId)
        "Network" -> NetworkException(msg, f.code)
        "Timeout" -> TimeoutException(msg, f.code)
        "Decode" -> DecodeException(msg, f.code, st, f.requestId)
        "Stream" -> StreamException(msg, f.code)
        "Config" -> ConfigException(msg, f.code)
        "Closed", "ClientClosed" -> ClientClosedException(msg, f.code)
        "Aborted" -> AbortedException(msg, f.code)
        else -> ApiException(msg, f.code, st, f.requestId)
    }
}
