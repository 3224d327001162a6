"""Optional dependencies, imported only when a feature that needs them is used."""

from __future__ import annotations

import importlib
from typing import Any

from surefoot.core.errors import ConfigError

__all__ = ["parquet_modules"]


def parquet_modules(what: str, instead: str) -> tuple[Any, Any]:
    """``(pyarrow, pyarrow.parquet)``, or a :class:`ConfigError` naming the extra that brings them.

    Args:
        what: What needs Parquet, for the message (e.g. ``"exporting Parquet"``).
        instead: The format to use without pyarrow, for the hint (e.g. ``".jsonl"``).
    """
    try:
        pa = importlib.import_module("pyarrow")
        pq = importlib.import_module("pyarrow.parquet")
    except ImportError as exc:
        raise ConfigError(
            f"{what} needs pyarrow, which is not installed",
            hint=f"pip install 'surefoot[parquet]', or use {instead} instead",
        ) from exc
    return pa, pq
