"""Authentication, scopes and per-key rate limits, as one FastAPI dependency per scope.

A key arrives as ``Authorization: Bearer sf_...`` or ``x-api-key: sf_...``. Missing, unknown or
revoked keys get 401; a key without the route's scope gets 403 naming the scope. Verified keys are
cached for ``server.key_cache_s`` so that the hot path costs no store round trip; revocation takes
effect within that time. The presented key is never logged or stored.

Modes (``server.auth``): ``required`` always checks; ``off`` never does (``surefoot serve`` allows
it on loopback only); ``auto`` checks as soon as one active key exists and, until then, serves
loopback clients only. While no key is checked, an ``Authorization`` header is ignored: OpenAI SDKs
always send one, carrying the user's upstream key, which must not be mistaken for ours.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from surefoot.core.errors import ConfigError
from surefoot.server._errors import ApiError
from surefoot.server._ratelimit import TokenBuckets
from surefoot.store import ApiKey, ApiKeys, ApiKeyScope, parse_api_key

if TYPE_CHECKING:
    from surefoot.core.config import ServerSettings
    from surefoot.server._metrics import Metrics
    from surefoot.server._shared_limit import SharedRateLimit

__all__ = ["Authenticator", "Scope", "check_exposure", "is_loopback", "require_scope"]

Scope = ApiKeyScope
_MAX_CACHED = 10_000
_BEARER = "bearer "


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` is a loopback address (or ``localhost``)."""
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(settings: ServerSettings, *, active_keys: bool) -> None:
    """Refuse a configuration that would serve the network without checking keys.

    Args:
        settings: the server settings (host and auth mode).
        active_keys: whether the store holds at least one active API key.

    Raises:
        ConfigError: a non-loopback bind with ``auth = off`` or without keys, or
            ``auth = required`` without keys (every request would be refused).
    """
    create = "create one with `surefoot keys create --name NAME --scope SCOPE`"
    if settings.auth == "required" and not active_keys:
        raise ConfigError(f"server.auth is 'required' but no API key exists; {create}")
    if is_loopback(settings.host):
        return
    if settings.auth == "off":
        raise ConfigError(
            f"server.auth is 'off' and server.host {settings.host!r} is not a loopback address: "
            "anyone on the network could read traces",
            hint="bind 127.0.0.1, or set server.auth to 'auto' and create an API key",
        )
    if not active_keys:
        raise ConfigError(
            f"server.host {settings.host!r} is not a loopback address and no API key exists",
            hint=create,
        )


def presented_key(request: Request) -> str | None:
    """The key in ``Authorization: Bearer`` or ``x-api-key``, if any."""
    header = request.headers.get("authorization")
    if header and header[: len(_BEARER)].lower() == _BEARER:
        return header[len(_BEARER) :].strip() or None
    return request.headers.get("x-api-key") or None


class Authenticator:
    """Checks keys, scopes and rate limits for one app.

    Args:
        settings: the server settings (mode, cache time, rate limit).
        keys: the key repository; None until the store is open.
        metrics: where refusals are counted.
        clock: monotonic seconds, injectable for tests.
    """

    def __init__(
        self,
        settings: ServerSettings,
        metrics: Metrics,
        *,
        keys: ApiKeys | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.keys = keys
        self.metrics = metrics
        self.clock = clock
        self._cache: dict[str, tuple[ApiKey | None, float]] = {}
        self._any_active: tuple[bool, float] | None = None
        self._buckets = TokenBuckets(settings.rate_limit_per_s, settings.rate_limit_burst, clock)
        # The limit across replicas, once the store is open (see _shared_limit).
        self.shared: SharedRateLimit | None = None

    async def check(self, request: Request, scope: Scope) -> ApiKey | None:
        """The key that authorises ``scope`` for this request; None when no key is checked.

        Raises:
            ApiError: 401, 403 or 429.
        """
        mode = self.settings.auth
        if mode == "off":
            return None
        if mode == "auto" and not await self._keys_exist():
            client = request.client.host if request.client else None
            if is_loopback(client):
                return None
            raise self._refuse(
                401, "no_keys",
                "no API key exists yet, so only loopback clients are served; create one with "
                "`surefoot keys create --name NAME --scope SCOPE` and send it as "
                "Authorization: Bearer <key>",
            )  # fmt: skip
        key = await self._verified(presented_key(request))
        if not key.allows(scope):
            raise self._refuse(
                403, "missing_scope",
                f"API key {key.name!r} ({key.key_id}) lacks the {scope.value!r} scope this route "
                f"needs; create a key with --scope {scope.value}",
            )  # fmt: skip
        wait_s = self._buckets.take(key.key_id)
        if wait_s <= 0 and self.shared is not None:
            wait_s = self.shared.take(key.key_id)
        if wait_s > 0:
            raise self._refuse(
                429, "rate_limited",
                f"rate limit of {self.settings.rate_limit_per_s:g} requests/s for API key "
                f"{key.key_id} exceeded; retry after {wait_s:.2f} s",
                headers={"Retry-After": str(max(1, math.ceil(wait_s)))},
            )  # fmt: skip
        return key

    async def _verified(self, token: str | None) -> ApiKey:
        if token is None:
            raise self._refuse(
                401, "missing_key",
                "missing API key: send Authorization: Bearer <key> or x-api-key: <key>",
            )  # fmt: skip
        parsed = parse_api_key(token)
        key = None if parsed is None else await self._lookup(parsed[0])
        if key is None or parsed is None or not key.verifies(parsed[1]):
            raise self._refuse(401, "unknown_key", "unknown API key; check the key you sent")
        if not key.active:
            raise self._refuse(
                401, "revoked_key", f"API key {key.key_id} was revoked; create a new one"
            )
        return key

    async def _lookup(self, key_id: str) -> ApiKey | None:
        now = self.clock()
        cached = self._cache.get(key_id)
        if cached is not None and now - cached[1] < self.settings.key_cache_s:
            return cached[0]
        if self.keys is None:
            raise ApiError(503, "the server is starting; retry shortly", code="starting")
        key = await run_in_threadpool(self.keys.get, key_id)
        if len(self._cache) >= _MAX_CACHED:
            self._cache.clear()  # unknown ids must not grow the cache without bound
        self._cache[key_id] = (key, now)
        return key

    async def _keys_exist(self) -> bool:
        now = self.clock()
        cached = self._any_active
        if cached is not None and now - cached[1] < self.settings.key_cache_s:
            return cached[0]
        if self.keys is None:
            raise ApiError(503, "the server is starting; retry shortly", code="starting")
        exists = await run_in_threadpool(self.keys.any_active)
        self._any_active = (exists, now)
        return exists

    def _refuse(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> ApiError:
        self.metrics.auth_failures.labels(code).inc()
        if status == 401:
            headers = {"WWW-Authenticate": "Bearer", **(headers or {})}
        return ApiError(status, message, code=code, headers=headers)


def require_scope(scope: Scope) -> Callable[[Request], Awaitable[ApiKey | None]]:
    """A FastAPI dependency that admits requests whose key grants ``scope``."""

    async def dependency(request: Request) -> ApiKey | None:
        auth = request.app.state.surefoot.auth
        assert isinstance(auth, Authenticator)
        return await auth.check(request, scope)

    dependency.__name__ = f"require_{scope.value}"
    return dependency
