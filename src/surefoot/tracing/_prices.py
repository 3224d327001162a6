"""The price table: what a model's tokens cost, by model-name pattern and effective date.

Prices are USD per million tokens. A lookup picks, among entries whose glob pattern matches the
model name (or the part after a ``provider/`` prefix) and whose ``effective_from`` is on or before
the span's date, the most specific pattern (an exact name beats a glob; a longer literal beats a
shorter one), then the latest date. Users extend or correct the built-in table with a TOML file.
"""

from __future__ import annotations

import datetime as dt
import time
import tomllib
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from surefoot.core.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path

__all__ = ["Price", "PriceTable", "Usage"]


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of one model call. ``input_tokens`` includes cached reads and cache writes;
    ``output_tokens`` includes reasoning tokens (OpenAI's convention and OpenTelemetry's)."""

    input_tokens: int
    output_tokens: int
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0


@dataclass(frozen=True, slots=True)
class Price:
    """One entry: USD per million tokens for models matching ``pattern`` from a date on.

    Unset ``cached_input`` and ``cache_write`` cost like ``input``; unset ``reasoning`` like
    ``output``.
    """

    pattern: str
    effective_from: dt.date
    input: float
    output: float
    cached_input: float | None = None
    cache_write: float | None = None
    reasoning: float | None = None
    source: str = "builtin"

    @property
    def version(self) -> str:
        """Names the entry a cost came from, e.g. ``builtin:gpt-4o@2024-10-01``."""
        return f"{self.source}:{self.pattern}@{self.effective_from.isoformat()}"

    def cost(self, usage: Usage) -> float:
        """The USD cost of ``usage`` at this price."""
        cached = usage.cached_input_tokens
        written = usage.cache_write_tokens
        plain_in = max(usage.input_tokens - cached - written, 0)
        reasoning = min(usage.reasoning_tokens, usage.output_tokens)
        total = (
            plain_in * self.input
            + cached * _or(self.cached_input, self.input)
            + written * _or(self.cache_write, self.input)
            + (usage.output_tokens - reasoning) * self.output
            + reasoning * _or(self.reasoning, self.output)
        )
        return total / 1_000_000


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def _specificity(pattern: str) -> tuple[bool, int]:
    exact = not any(c in pattern for c in "*?[")
    return exact, sum(c not in "*?[]" for c in pattern)


class PriceTable:
    """A set of :class:`Price` entries with lookup by model and date.

    Args:
        prices: the entries; a later entry with the same pattern and date replaces an earlier.
    """

    def __init__(self, prices: Iterable[Price] = ()) -> None:
        by_key = {(p.pattern.lower(), p.effective_from): p for p in prices}
        self._prices = sorted(by_key.values(), key=lambda p: (p.pattern, p.effective_from))
        self._cache: dict[tuple[str, int], Price | None] = {}

    @classmethod
    def builtin(cls) -> PriceTable:
        """The built-in table: indicative list prices of common models; check your contract."""
        from surefoot.tracing._builtin_prices import BUILTIN_PRICES

        return cls(BUILTIN_PRICES)

    @classmethod
    def from_toml(cls, path: Path) -> PriceTable:
        """Read a table from ``[[price]]`` entries in a TOML file.

        Raises:
            ConfigError: the file is missing, not TOML, or an entry is invalid (named by index).
        """
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"price table {path}: {exc}", hint="fix or remove the file") from exc
        entries = data.get("price", [])
        if not isinstance(entries, list) or set(data) - {"price"}:
            raise ConfigError(
                f"price table {path}: expected only [[price]] entries",
                hint="write each price as a [[price]] table",
            )
        return cls(_parse_entry(path, i, entry) for i, entry in enumerate(entries, 1))

    def merged(self, other: PriceTable) -> PriceTable:
        """This table with ``other``'s entries added, replacing same pattern and date."""
        return PriceTable([*self._prices, *other._prices])

    def lookup(self, model: str, at_ns: int | None = None) -> Price | None:
        """The price of ``model`` on the date of ``at_ns`` (today when None), or None."""
        # Keyed by the UTC day's number: this runs on every traced model call, and building a
        # date from a timestamp cost more than the rest of the lookup.
        key = (model, (time.time_ns() if at_ns is None else at_ns) // _NS_PER_DAY)
        try:
            return self._cache[key]
        except KeyError:
            pass
        found = self._find(model.lower(), _EPOCH + dt.timedelta(days=key[1]))
        if len(self._cache) < 4096:
            self._cache[key] = found
        return found

    def _find(self, model: str, day: dt.date) -> Price | None:
        bare = model.rsplit("/", 1)[-1]
        best: Price | None = None
        best_key: tuple[tuple[bool, int], dt.date] | None = None
        for price in self._prices:
            if price.effective_from > day:
                continue
            if not (fnmatchcase(model, price.pattern) or fnmatchcase(bare, price.pattern)):
                continue
            key = (_specificity(price.pattern), price.effective_from)
            if best_key is None or key > best_key:
                best, best_key = price, key
        return best

    def __iter__(self) -> Iterator[Price]:
        return iter(self._prices)

    def __len__(self) -> int:
        return len(self._prices)


_NS_PER_DAY = 86_400 * 10**9
_EPOCH = dt.date(1970, 1, 1)


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1)
    effective_from: dt.date
    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cached_input: float | None = Field(None, ge=0)
    cache_write: float | None = Field(None, ge=0)
    reasoning: float | None = Field(None, ge=0)


def _parse_entry(path: Path, index: int, entry: object) -> Price:
    try:
        e = _Entry.model_validate(entry)
    except ValidationError as exc:
        model = entry.get("model", "?") if isinstance(entry, dict) else "?"
        problems = "; ".join(
            f"{'.'.join(map(str, err['loc'])) or 'entry'}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(
            f"price table {path}, entry #{index} (model {model!r}): {problems}",
            hint="each [[price]] needs model, effective_from (a date), input and output",
        ) from exc
    return Price(
        e.model.lower(), e.effective_from, e.input, e.output,
        e.cached_input, e.cache_write, e.reasoning, source=path.name,
    )  # fmt: skip
