"""The HTTP boundary: httpx exceptions and HTTP statuses become surefoot's provider errors.

=================================  ======================================================
upstream                           raised
=================================  ======================================================
any httpx/httpcore timeout         ProviderTimeout
connect error                      ProviderUnavailable
connection dropped mid-response    ProviderUnavailable (says how much had arrived)
408                                ProviderTimeout
429                                RateLimited (``retry_after_s`` from the headers)
500, 502, 503, 504, 520-529        ProviderUnavailable
other 5xx                          ProviderError
400 with code ``content_filter``   ContentFiltered
400, 404, 413, 422                 InvalidInput (the request itself is wrong)
401, 403                           ProviderError (credentials or permissions)
other 4xx                          ProviderError
body that is not the format        MalformedResponse
=================================  ======================================================
"""

from __future__ import annotations

import email.utils
import json
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

import httpcore
import httpx

from surefoot.core.errors import (
    ContentFiltered,
    InvalidInput,
    MalformedResponse,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    SurefootError,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

__all__ = [
    "HTTP_ERRORS",
    "error_for_status",
    "map_provider_errors",
    "parse_retry_after",
    "raise_for_status",
    "translate_http_error",
]

_UNAVAILABLE = frozenset({500, 502, 503, 504, *range(520, 530)})
_INVALID = frozenset({400, 404, 413, 422})
_MESSAGE_LIMIT = 500


class ResponseLike(Protocol):
    """What status mapping reads of a response: ``httpx.Response`` and the provider's own."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def content(self) -> bytes: ...
    @property
    def text(self) -> str: ...
    @property
    def reason_phrase(self) -> str: ...


def parse_retry_after(headers: Mapping[str, str], *, now_s: float) -> float | None:
    """Seconds to wait before retrying, from ``retry-after-ms`` or ``Retry-After``.

    ``Retry-After`` may be delta-seconds or an HTTP-date (RFC 9110 section 10.2.3); ``now_s`` is
    the current time since the epoch, for the date form. Past dates give 0; unreadable values
    give ``None``.

    Examples:
        >>> parse_retry_after({"retry-after": "2"}, now_s=0.0)
        2.0
        >>> parse_retry_after({"retry-after-ms": "250"}, now_s=0.0)
        0.25
        >>> parse_retry_after({"retry-after": "Thu, 01 Jan 1970 00:01:00 GMT"}, now_s=30.0)
        30.0
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    # retry-after-ms (OpenAI, Azure) is finer-grained, so it wins when both are sent.
    millis = _number(lowered.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000.0
    value = lowered.get("retry-after")
    if value is None:
        return None
    seconds = _number(value)
    if seconds is not None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP-date is always GMT
        return None
    return max(when.timestamp() - now_s, 0.0)


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")) or value < 0:
        return None
    return value


def _upstream_message(response: ResponseLike) -> tuple[str, str | None]:
    """The upstream's error message and code, from OpenAI's ``{"error": {...}}`` or the text."""
    try:
        data: Any = json.loads(response.content)
    except ValueError:
        return response.text[:_MESSAGE_LIMIT].strip(), None
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return str(error.get("message", ""))[:_MESSAGE_LIMIT], _str_or_none(error.get("code"))
    if isinstance(error, str):
        return error[:_MESSAGE_LIMIT], None
    return response.text[:_MESSAGE_LIMIT].strip(), None


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def error_for_status(
    response: ResponseLike, provider: str, *, now_s: float
) -> SurefootError | None:
    """The error an HTTP status stands for, or ``None`` for 1xx-3xx."""
    status = response.status_code
    if status < 400:
        return None
    message, code = _upstream_message(response)
    text = f"{provider!r} answered HTTP {status}: {message or response.reason_phrase}"
    common: dict[str, Any] = {"provider": provider, "status_code": status}
    if status == 429:
        retry_after_s = parse_retry_after(response.headers, now_s=now_s)
        return RateLimited(text, retry_after_s=retry_after_s, **common)
    if status == 408:
        return ProviderTimeout(text, **common)
    if status in _UNAVAILABLE:
        return ProviderUnavailable(text, **common)
    if code == "content_filter":
        return ContentFiltered(text, **common)
    if status in _INVALID:
        return InvalidInput(text, hint="correct the request; retrying it unchanged fails again")
    if status in (401, 403):
        return ProviderError(text, hint="check the API key and its permissions", **common)
    return ProviderError(text, **common)


def raise_for_status(response: ResponseLike, provider: str, *, now_s: float) -> None:
    """Raise :func:`error_for_status` when there is one."""
    error = error_for_status(response, provider, now_s=now_s)
    if error is not None:
        raise error


@contextmanager
def map_provider_errors(provider: str, progress: Callable[[], str] | None = None) -> Iterator[None]:
    """Translate httpx (and httpcore) exceptions raised inside the block into provider errors.

    Args:
        provider: the provider's name, for messages and the errors' ``provider``.
        progress: says how much of a streamed answer had arrived, e.g. ``"3 chunks (42
            characters)"``, so a cut stream reports it.
    """
    try:
        yield
    except HTTP_ERRORS as exc:
        raise translate_http_error(exc, provider, progress) from exc


# httpcore's exceptions share no base class with httpx's or each other; these are all it raises.
HTTP_ERRORS = (
    httpx.HTTPError,
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
    httpcore.ProxyError,
)


def translate_http_error(
    exc: Exception, provider: str, progress: Callable[[], str] | None = None
) -> ProviderError:
    """The provider error for an exception in :data:`HTTP_ERRORS`; raise it ``from exc``.

    For hot paths that catch :data:`HTTP_ERRORS` themselves instead of entering
    :func:`map_provider_errors`.
    """
    after = f" after {progress()}" if progress is not None else ""
    return _translate(exc, provider, after)


# httpx wraps httpcore's exceptions one to one, so each kind lists both libraries' classes.
_TIMEOUT = (httpx.TimeoutException, httpcore.TimeoutException)
_CONNECT = (httpx.ConnectError, httpcore.ConnectError)
_BROKEN = (
    httpx.RemoteProtocolError,
    httpx.NetworkError,
    httpcore.RemoteProtocolError,
    httpcore.NetworkError,
)


def _translate(exc: Exception, provider: str, after: str) -> ProviderError:
    # We want to map to the most specific error we can find; order matters (ConnectTimeout is a
    # timeout first, ConnectError is a network error too).
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, _TIMEOUT):
        return ProviderTimeout(
            f"{provider!r} did not answer in time{after}: {detail}", provider=provider
        )
    if isinstance(exc, _CONNECT):
        return ProviderUnavailable(f"cannot connect to {provider!r}: {detail}", provider=provider)
    if isinstance(exc, _BROKEN):
        return ProviderUnavailable(
            f"connection to {provider!r} broke{after}: {detail}", provider=provider
        )
    if isinstance(exc, httpx.DecodingError):
        return MalformedResponse(
            f"{provider!r} sent an undecodable body{after}: {detail}", provider=provider
        )
    return ProviderError(f"request to {provider!r} failed{after}: {detail}", provider=provider)
