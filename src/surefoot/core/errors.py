"""The one error tree of surefoot.

Every exception surefoot raises on purpose descends from :class:`SurefootError`. Branches follow
who has to act; where a class resembles a builtin it subclasses that too, so callers can catch
either::

    SurefootError
    ├── ConfigError (ValueError)            settings or a config file are wrong: fix them
    ├── StoreError                          the store misbehaved
    │   ├── StoreUnavailable (ConnectionError)  cannot reach the database: start it or fix the URL
    │   └── MigrationRequired               schema is behind the code: run `surefoot db upgrade`
    ├── ProviderError                       a model provider failed
    │   ├── ProviderTimeout (TimeoutError)
    │   ├── RateLimited                     carries ``retry_after_s``
    │   ├── ProviderUnavailable (ConnectionError)
    │   ├── MalformedResponse
    │   └── ContentFiltered
    ├── GuardError                          the guard stopped a call on purpose
    │   ├── DeadlineExceeded (TimeoutError)
    │   ├── CircuitOpen
    │   ├── BulkheadFull                    carries ``retry_after_s``
    │   ├── BudgetExceeded
    │   └── ValidationFailed
    ├── InvalidInput (ValueError)           the caller passed something unusable
    └── ActionConflict                      an idempotency key was reused differently

Every message says what to do next. Exceptions carry the context a handler needs (``trace_id``,
``hint``) as attributes, not only as text.
"""

from __future__ import annotations

__all__ = [
    "ActionConflict",
    "BudgetExceeded",
    "BulkheadFull",
    "CircuitOpen",
    "ConfigError",
    "ContentFiltered",
    "DeadlineExceeded",
    "GuardError",
    "InvalidInput",
    "MalformedResponse",
    "MigrationRequired",
    "ProviderError",
    "ProviderTimeout",
    "ProviderUnavailable",
    "RateLimited",
    "StoreError",
    "StoreUnavailable",
    "SurefootError",
    "ValidationFailed",
]


class SurefootError(Exception):
    """Base of every error surefoot raises on purpose.

    Args:
        message: what went wrong.
        hint: what to do next; appended to the message.
        trace_id: the trace the error belongs to, when there is one.
    """

    default_hint: str = ""

    def __init__(self, message: str, *, hint: str | None = None, trace_id: str | None = None):
        self.message = message
        self.hint = hint if hint is not None else self.default_hint
        self.trace_id = trace_id
        super().__init__(message)

    def __str__(self) -> str:
        text = self.message
        if self.hint:
            text = f"{text} (fix: {self.hint})"
        return text


class ConfigError(SurefootError, ValueError):
    """Settings, a config file or an argument combination are invalid."""

    default_hint = "check surefoot.toml and SUREFOOT_* variables; `surefoot config show` lists both"


class StoreError(SurefootError):
    """The store failed in a way that is not the caller's input."""


class StoreUnavailable(StoreError, ConnectionError):
    """The database cannot be reached."""

    default_hint = "start the database or correct SUREFOOT_STORE__URL; `surefoot doctor` checks it"


class MigrationRequired(StoreError):
    """The database schema is older than this version of surefoot expects."""

    default_hint = "run `surefoot db upgrade`"


class ProviderError(SurefootError):
    """A model provider failed.

    Args:
        provider: name of the provider or upstream that failed.
        status_code: the HTTP status, for HTTP providers.
    """

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        status_code: int | None = None,
        hint: str | None = None,
        trace_id: str | None = None,
    ):
        super().__init__(message, hint=hint, trace_id=trace_id)
        self.provider = provider
        self.status_code = status_code


class ProviderTimeout(ProviderError, TimeoutError):
    """The provider did not answer within the attempt's timeout."""

    retryable = True
    default_hint = "raise the timeout or add a fallback; the guard retries this within the deadline"


class RateLimited(ProviderError):
    """The provider refused the call for rate or quota reasons.

    Args:
        retry_after_s: the provider's Retry-After, in seconds, when it sent one.
    """

    retryable = True
    default_hint = "lower the request rate, raise the quota, or add a fallback upstream"

    def __init__(
        self,
        message: str,
        *,
        retry_after_s: float | None = None,
        provider: str = "",
        status_code: int | None = None,
        hint: str | None = None,
        trace_id: str | None = None,
    ):
        super().__init__(
            message, provider=provider, status_code=status_code, hint=hint, trace_id=trace_id
        )
        self.retry_after_s = retry_after_s


class ProviderUnavailable(ProviderError, ConnectionError):
    """The provider could not be reached or answered with a server error."""

    retryable = True
    default_hint = "check the upstream's health; add a fallback so callers are served meanwhile"


class MalformedResponse(ProviderError):
    """The provider answered with something that is not the expected format."""

    retryable = True
    default_hint = "the upstream changed or broke its response format; pin its version"


class ContentFiltered(ProviderError):
    """The provider refused to produce content for policy reasons."""

    default_hint = "rephrase the request or route it to a human reviewer"


class GuardError(SurefootError):
    """The guard stopped a call on purpose."""


class DeadlineExceeded(GuardError, TimeoutError):
    """The request's total deadline passed before an acceptable answer."""

    default_hint = "raise deadline_s or add a faster fallback"


class CircuitOpen(GuardError):
    """The upstream's circuit breaker is open; no call was made."""

    default_hint = "wait for the breaker's half-open probe, or add a fallback upstream"


class BulkheadFull(GuardError):
    """The upstream already had as many calls in flight as its bulkhead allows; no call was made.

    ``retry_after_s`` says when trying again is reasonable: a slot frees when a call ends.
    """

    default_hint = (
        "retry shortly; raise the upstream's bulkhead max_concurrent or max_wait_s, or add a "
        "fallback upstream"
    )
    retry_after_s: float = 1.0


class BudgetExceeded(GuardError):
    """A cost, token, retry or context budget would be exceeded."""

    default_hint = "raise the budget or shrink the request"


class ValidationFailed(GuardError):
    """The model's output failed validation and the policy says raise, or nothing after it
    answered."""

    default_hint = "inspect the output in the trace; relax the validator or add a reask/fallback"


class InvalidInput(SurefootError, ValueError):
    """The caller passed something surefoot cannot use."""


class ActionConflict(SurefootError):
    """An idempotency key was reused with different parameters, or is in flight."""

    default_hint = "use a new idempotency key for a different request, or wait for the first"
