"""Exception classes of the Everruns SDK.

Every error the SDK raises derives from :class:`EverrunsError`. The native core's errors are
mapped to these classes in one place (the bridge); the original native error, when there is one,
is kept as ``__cause__``.

Hierarchy::

    EverrunsError
    ├── ApiError (status, code, message, request_id)
    │   ├── ValidationError        400 / 422
    │   ├── AuthenticationError    401
    │   ├── PermissionDeniedError  403
    │   ├── NotFoundError          404
    │   ├── ConflictError          409
    │   ├── RateLimitError         429 (retry_after)
    │   └── ServerError            5xx
    ├── NetworkError               connection failures
    ├── EverrunsTimeoutError       timeouts (also a builtin TimeoutError)
    ├── StreamError                the event stream gave up
    ├── DecodeError                a response that does not decode
    ├── ClientClosedError          the client was closed (calls in flight and after)
    └── ConfigurationError         bad client settings or arguments
"""

from __future__ import annotations

from typing import Any, Optional

__all__ = [
    "EverrunsError",
    "ApiError",
    "ValidationError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "RateLimitError",
    "ServerError",
    "NetworkError",
    "TlsError",
    "EverrunsTimeoutError",
    "StreamError",
    "DecodeError",
    "ConfigurationError",
    "ClientClosedError",
    "TurnFailedError",
]


class EverrunsError(Exception):
    """Base class of every error the SDK raises."""

    def __init__(self, message: str = "", *, code: str = "unknown") -> None:
        super().__init__(message)
        self.message: str = message
        #: Stable snake_case code: the server's code for HTTP errors, otherwise one of
        #: ``invalid_input``, ``network_error``, ``connect_error``, ``timeout``,
        #: ``decode_error``, ``stream_error``, ``invalid_config``.
        self.code: str = code

    def __reduce__(self) -> Any:
        # Rebuilt with every attribute (status, request_id, retry_after, …) whatever the class.
        return (_rebuild, (type(self), self.message, self.__dict__))

    def __str__(self) -> str:
        return self.message


def _rebuild(cls: type[EverrunsError], message: str, state: dict[str, Any]) -> EverrunsError:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err


class ApiError(EverrunsError):
    """The server answered with an error status.

    Attributes:
        status: HTTP status code; ``None`` only for a :class:`ValidationError` raised by the
            client before anything was sent.
        code: stable error code from the body (``"unknown"`` when the body has none).
        message: human-readable message.
        request_id: the ``X-Request-Id`` of the failed response, when the server sent one.
        body: the raw response body (truncated), when available.
    """

    def __init__(
        self,
        message: str,
        *,
        status: Optional[int],
        code: str = "unknown",
        request_id: Optional[str] = None,
        body: Optional[str] = None,
    ) -> None:
        super().__init__(message, code=code)
        self.status: Optional[int] = status
        self.request_id: Optional[str] = request_id
        self.body: Optional[str] = body

    def __str__(self) -> str:
        rid = f", request_id={self.request_id}" if self.request_id else ""
        where = f"HTTP {self.status}" if self.status is not None else "not sent"
        return f"{self.message} ({where}, code={self.code}{rid})"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, "
            f"message={self.message!r}, request_id={self.request_id!r})"
        )



class ValidationError(ApiError):
    """The request was rejected as invalid (400 or 422)."""


class AuthenticationError(ApiError):
    """Missing or invalid credentials (401)."""


class PermissionDeniedError(ApiError):
    """The credentials do not allow this operation (403)."""


class NotFoundError(ApiError):
    """The resource does not exist (404)."""


class ConflictError(ApiError):
    """The request conflicts with the current state (409)."""


class RateLimitError(ApiError):
    """Too many requests (429).

    Attributes:
        retry_after: seconds the server asked to wait, when it said.
    """

    def __init__(
        self,
        message: str,
        *,
        status: Optional[int] = 429,
        code: str = "unknown",
        request_id: Optional[str] = None,
        body: Optional[str] = None,
        retry_after: Optional[float] = None,
    ) -> None:
        super().__init__(message, status=status, code=code, request_id=request_id, body=body)
        self.retry_after: Optional[float] = retry_after



class ServerError(ApiError):
    """The server failed (5xx) after the core's retries."""


class NetworkError(EverrunsError):
    """The server could not be reached, or the connection broke."""


class TlsError(NetworkError):
    """A TLS handshake failed because of a certificate (not retried). ``code`` names the cause:
    ``tls_unknown_issuer`` (set ``ca_cert`` or ``SSL_CERT_FILE``), ``tls_certificate_expired``,
    ``tls_hostname_mismatch``, ``tls_client_certificate_required`` (set ``client_cert``),
    ``tls_client_certificate_rejected`` or ``tls_handshake_failed``."""


class EverrunsTimeoutError(EverrunsError, TimeoutError):
    """A request or stream timed out."""


class StreamError(EverrunsError):
    """The event stream could not continue (e.g. it ran out of reconnect attempts)."""


class DecodeError(EverrunsError):
    """A response body could not be decoded into the expected shape.

    Attributes:
        status: HTTP status of the response, when there was one.
        request_id: the response's ``X-Request-Id``, when sent.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "decode_error",
        status: Optional[int] = None,
        request_id: Optional[str] = None,
    ) -> None:
        super().__init__(message, code=code)
        self.status: Optional[int] = status
        self.request_id: Optional[str] = request_id



class ConfigurationError(EverrunsError, ValueError):
    """Invalid client configuration or arguments (e.g. a malformed id or base URL)."""


class ClientClosedError(EverrunsError):
    """The client was closed: calls in flight when it closed, and calls made after, raise this."""


class TurnFailedError(EverrunsError):
    """The turn a one-call ``run`` followed ended with ``turn.failed`` (or was cancelled:
    ``code == "turn_cancelled"``); ``code`` is the event's ``error_code``."""
