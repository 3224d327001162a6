"""Chunking: split rows into the windows that performance and multivariate drift are judged on.

A chunk is a set of row positions plus a key a person can read. Rows are split by a fixed size, a
fixed number of chunks, or a time period (by the rows' own timestamps, not the wall clock).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from surefoot.core import InvalidInput

if TYPE_CHECKING:
    from collections.abc import Sequence

IntArray = npt.NDArray[np.intp]
Incomplete = Literal["keep", "drop", "append"]


@dataclass(frozen=True)
class Chunk:
    """One window of rows.

    Attributes:
        index: Position of the chunk in its sequence.
        key: A readable label (``"[0:5000]"`` or the period start in ns).
        rows: Positions of the chunk's rows in the input.
        start_ns: Period start for time chunks, else ``None``.
        end_ns: Period end (exclusive) for time chunks, else ``None``.
    """

    index: int
    key: str
    rows: IntArray = field(repr=False, compare=False)
    start_ns: int | None = None
    end_ns: int | None = None

    @property
    def size(self) -> int:
        """Number of rows in the chunk."""
        return len(self.rows)


@dataclass(frozen=True)
class Chunking:
    """How to split rows into chunks; build one with a classmethod.

    Examples:
        >>> [c.key for c in Chunking.by_size(4).split(10)]
        ['[0:4]', '[4:8]', '[8:10]']
        >>> [c.size for c in Chunking.by_size(4, incomplete="append").split(10)]
        [4, 6]
        >>> [c.size for c in Chunking.by_count(3).split(10)]
        [4, 3, 3]
        >>> [c.key for c in Chunking.by_period(10).split(4, times_ns=[3, 12, 15, 41])]
        ['0', '10', '40']
    """

    size: int | None = None
    count: int | None = None
    period_ns: int | None = None
    incomplete: Incomplete = "keep"

    @classmethod
    def by_size(cls, size: int, *, incomplete: Incomplete = "keep") -> Chunking:
        """Chunks of ``size`` rows; a shorter last chunk is kept, dropped or appended."""
        if size < 1:
            raise InvalidInput(f"chunk size must be at least 1, got {size}; pass a positive size")
        return cls(size=size, incomplete=incomplete)

    @classmethod
    def by_count(cls, count: int) -> Chunking:
        """``count`` chunks of near-equal size, in row order."""
        if count < 1:
            raise InvalidInput(f"chunk count must be at least 1, got {count}; pass a positive one")
        return cls(count=count)

    @classmethod
    def by_period(cls, period_ns: int) -> Chunking:
        """One chunk per period of the rows' timestamps (empty periods are skipped)."""
        if period_ns < 1:
            raise InvalidInput(
                f"period must be at least 1 ns, got {period_ns}; pass a positive one"
            )
        return cls(period_ns=period_ns)

    def split(self, n_rows: int, times_ns: Sequence[int] | None = None) -> list[Chunk]:
        """Split ``n_rows`` rows (with their timestamps for period chunking) into chunks.

        Raises:
            InvalidInput: Period chunking without timestamps, or timestamps of the wrong length.
        """
        if self.period_ns is not None:
            return self._by_period(n_rows, times_ns)
        if self.count is not None:
            parts = np.array_split(np.arange(n_rows, dtype=np.intp), min(self.count, n_rows) or 1)
            return [_row_chunk(i, p) for i, p in enumerate(parts) if len(p)]
        return self._by_size(n_rows)

    def _by_size(self, n_rows: int) -> list[Chunk]:
        size = self.size or n_rows or 1
        starts = list(range(0, n_rows, size))
        chunks = [_row_chunk(i, np.arange(s, min(s + size, n_rows))) for i, s in enumerate(starts)]
        if len(chunks) > 1 and chunks[-1].size < size and self.incomplete != "keep":
            last = chunks.pop()
            if self.incomplete == "append":
                merged = np.concatenate([chunks[-1].rows, last.rows])
                chunks[-1] = _row_chunk(chunks[-1].index, merged)
        return chunks

    def _by_period(self, n_rows: int, times_ns: Sequence[int] | None) -> list[Chunk]:
        if times_ns is None or len(times_ns) != n_rows:
            raise InvalidInput("period chunking needs one timestamp (ns) per row; pass times_ns")
        period = int(self.period_ns or 1)
        times = np.asarray(times_ns, dtype=np.int64)
        starts = times - times % period
        chunks: list[Chunk] = []
        for start in np.unique(starts):
            rows = np.flatnonzero(starts == start).astype(np.intp)
            s = int(start)
            chunks.append(Chunk(len(chunks), str(s), rows, s, s + period))
        return chunks


def _row_chunk(index: int, rows: npt.NDArray[np.integer]) -> Chunk:
    positions = np.asarray(rows, dtype=np.intp)
    return Chunk(index, f"[{positions[0]}:{positions[-1] + 1}]", positions)
