"""Request fingerprints: a canonical JSON encoding of an action's parameters, hashed.

Two submissions under one idempotency key are "the same request" exactly when their canonical
JSON is equal: mapping order does not matter, types do (``1``, ``1.0``, ``True`` and ``"1"`` all
differ), and values JSON cannot carry faithfully are refused rather than guessed at.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import TYPE_CHECKING, Any

from surefoot.core.errors import InvalidInput

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["canonical_json", "fingerprint", "json_params", "json_result"]


def _check(value: Any, path: str) -> None:
    if value is None or isinstance(value, (str, bool, int)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(
                f"parameter {path} is {value!r}, which has no JSON form",
                hint="pass a finite number, or encode it as a string",
            )
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInput(
                    f"parameter {path} has the non-string key {key!r}",
                    hint="use string keys: JSON objects have nothing else",
                )
            _check(item, f"{path}.{key}")
        return
    raise InvalidInput(
        f"parameter {path} is a {type(value).__name__}, which cannot be fingerprinted",
        hint="pass JSON values only (str, int, float, bool, None, lists and str-keyed dicts)",
    )


def canonical_json(params: Mapping[str, Any]) -> str:
    """The canonical JSON text of ``params``: sorted keys, no spaces, tuples as lists.

    Raises:
        InvalidInput: a value is not plain JSON (a set, an object, NaN, a non-string key).

    Examples:
        >>> canonical_json({"b": [1, 2.5], "a": None})
        '{"a":null,"b":[1,2.5]}'
    """
    _check(dict(params), "params")
    return json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(params: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of :func:`canonical_json` of ``params``.

    Examples:
        >>> fingerprint({"a": 1, "b": 2}) == fingerprint({"b": 2, "a": 1})
        True
        >>> fingerprint({"a": 1}) == fingerprint({"a": 1.0})
        False
    """
    return hashlib.sha256(canonical_json(params).encode("utf-8", "surrogatepass")).hexdigest()


def json_params(params: Mapping[str, Any]) -> Any:
    """The parameters as stored: their canonical JSON decoded (tuples become lists)."""

    return json.loads(canonical_json(params))


def json_result(result: Any) -> Any:
    """A result as stored: itself when it is plain JSON, else its ``repr`` (documented)."""
    try:
        return json_params({"r": result})["r"]
    except InvalidInput:
        return repr(result)
