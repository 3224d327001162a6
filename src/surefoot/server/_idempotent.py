"""``Idempotency-Key`` on gateway POSTs: the first response is stored and replayed.

The key is claimed in the store before the request runs, so every replica sharing the store
agrees: a duplicate of a finished request gets the stored response again (marked with
``idempotent-replayed: true``), a duplicate of one still running gets 409, and the key reused
with another body gets 422. Server-side failures (5xx) and rate limits are not stored: the key
is released, so the client's retry with the same key runs the request again.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
from typing import TYPE_CHECKING

from starlette.responses import Response

from surefoot.server._errors import ApiError, error_response
from surefoot.store import ClaimOutcome, IdempotencyKeys, StoredResponse

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from fastapi import Request

    from surefoot.core.config import GatewaySettings

__all__ = ["HEADER", "idempotent"]

HEADER = "idempotency-key"
_MAX_KEY_CHARS = 255
# Replayed as stored; the length is recomputed for the replay.
_DROPPED_HEADERS = frozenset({"content-length"})


async def idempotent(
    request: Request,
    keys: IdempotencyKeys,
    settings: GatewaySettings,
    caller: str | None,
    produce: Callable[[], Awaitable[Response]],
) -> Response:
    """Answer ``request`` at most once per ``Idempotency-Key`` and body, replaying afterwards.

    Raises:
        ApiError: 400 for an unusable key, 409 while the first request with it runs, 422 when
            the key was used with another body.
    """
    key = request.headers[HEADER]
    if not 1 <= len(key) <= _MAX_KEY_CHARS or not key.isprintable():
        raise ApiError(
            400,
            f"Idempotency-Key must be 1 to {_MAX_KEY_CHARS} printable characters; "
            "send a UUID, for example",
            code="invalid_idempotency_key",
        )
    digest = hashlib.sha256(await request.body()).hexdigest()
    scope = f"{caller or '-'} {request.url.path}"
    claim = await asyncio.to_thread(
        functools.partial(keys.claim, scope, key, digest, lock_s=settings.idempotency_lock_s)
    )
    if claim.outcome is ClaimOutcome.REPLAY:
        assert claim.stored is not None
        return _replay(claim.stored)
    if claim.outcome is ClaimOutcome.MISMATCH:
        raise ApiError(
            422,
            f"Idempotency-Key {key!r} was already used with a different request body; "
            "use a new key for a new request",
            code="idempotency_key_reused",
        )
    if claim.outcome is ClaimOutcome.IN_FLIGHT:
        raise ApiError(
            409,
            f"a request with Idempotency-Key {key!r} is still in progress; retry shortly to "
            "get its response",
            code="idempotency_key_in_flight",
            headers={"Retry-After": "1"},
        )
    return await _run_claimed(keys, settings, scope, key, produce)


async def _run_claimed(
    keys: IdempotencyKeys,
    settings: GatewaySettings,
    scope: str,
    key: str,
    produce: Callable[[], Awaitable[Response]],
) -> Response:
    try:
        try:
            response = await produce()
        except ApiError as exc:
            response = error_response(exc.status_code, exc.message, exc.code, exc.headers)
    except BaseException:
        # Cancelled or crashed: nothing was answered, so a retry must run the request.
        await asyncio.shield(asyncio.to_thread(keys.release, scope, key))
        raise
    if response.status_code >= 500 or response.status_code == 429:
        await asyncio.to_thread(keys.release, scope, key)
        return response
    headers = {k: v for k, v in response.headers.items() if k not in _DROPPED_HEADERS}
    stored = StoredResponse(response.status_code, headers, bytes(response.body))
    await asyncio.to_thread(
        functools.partial(keys.complete, scope, key, stored, ttl_s=settings.idempotency_ttl_s)
    )
    return response


def _replay(stored: StoredResponse) -> Response:
    headers = dict(stored.headers)
    headers["idempotent-replayed"] = "true"
    media = headers.pop("content-type", None)
    return Response(stored.body, status_code=stored.status_code, headers=headers, media_type=media)
