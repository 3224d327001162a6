"""The journal between the two recorder threads: every batch is spooled to disk, then written.

The processing thread appends each batch it drains to the spool (write-ahead) and, while there is
room, also keeps it in memory; the store thread takes batches in order, writes them to the sink,
and commits them. In the common case the store thread never reads the disk. After an outage, or
when the memory copy overflowed, it replays from the spool at its cursor until it has caught up,
then memory takes over again. Chunks are strictly ordered: spans reach the sink in the order they
were spooled.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from surefoot.tracing._payload import LogOnce
from surefoot.tracing._spool import Position, Spool, decode_payload, encode_records

if TYPE_CHECKING:
    from surefoot.core._records import SpanRecord

__all__ = ["Chunk", "Journal"]

logger = logging.getLogger("surefoot.tracing")
_disk_errors = LogOnce()


@dataclass(slots=True)
class Chunk:
    """One batch on its way to the sink; ``end`` is None when it is not on disk."""

    records: list[SpanRecord]
    end: Position | None
    seq: int | None
    from_disk: bool = False


class Journal:
    """Orders, spools and hands over batches. Thread-safe.

    Args:
        spool: the spool, or None to keep batches in memory only.
        max_memory_spans: spans kept in memory for the store thread; beyond, it reads the disk.
        max_spool_bytes: spool size past which batches are kept in memory only (or dropped).
    """

    def __init__(self, spool: Spool | None, *, max_memory_spans: int, max_spool_bytes: int) -> None:
        self._spool = spool
        self._max_memory = max_memory_spans
        self._max_bytes = max_spool_bytes
        self._cond = threading.Condition()
        self._memory: deque[Chunk] = deque()
        self._memory_spans = 0
        # The memory copy is complete only when the disk holds nothing older than it.
        self._use_memory = spool is None or spool.start == spool.end
        self._cursor: Position | None = None if spool is None else spool.start
        self._disk_seqs: deque[tuple[Position, int]] = deque()
        self.appended_seq = 0
        self.committed_seq = 0
        self.spooled = 0
        self.replayed = 0
        self.corrupt = 0
        self.dropped = 0

    @property
    def pending_spans(self) -> int:
        """Spans held in memory for the store thread (disk backlog not included)."""
        return self._memory_spans

    @property
    def spool_bytes(self) -> int:
        """Bytes on disk in the spool."""
        return 0 if self._spool is None else self._spool.size_bytes

    def append(self, records: list[SpanRecord]) -> None:
        """Spool ``records`` and queue them for the sink (processing thread)."""
        data = encode_records(records) if self._spool is not None else b""
        with self._cond:
            self.appended_seq += 1
            seq = self.appended_seq
            end = self._write(data, len(records))
            if self._use_memory and self._memory_spans + len(records) <= self._max_memory:
                self._memory.append(Chunk(records, end, seq))
                self._memory_spans += len(records)
            elif end is not None:
                self._use_memory = False  # the store thread must now read from the disk
            else:
                self.dropped += len(records)
                self.committed_seq = max(self.committed_seq, seq)
            if end is not None:
                self._disk_seqs.append((end, seq))
            self._cond.notify_all()

    def _write(self, data: bytes, count: int) -> Position | None:
        spool = self._spool
        if spool is None or spool.size_bytes + len(data) > self._max_bytes:
            return None
        try:
            end = spool.append(data)
        except OSError as exc:
            _disk_errors("write", "surefoot: cannot write the spool in %s (%s); spans are kept "
                         "in memory only", spool.directory, exc)  # fmt: skip
            return None
        self.spooled += count
        return end

    def take(self, timeout_s: float) -> Chunk | None:
        """The oldest chunk not yet committed (store thread); None after ``timeout_s`` idle."""
        with self._cond:
            chunk = self._next()
            if chunk is None:
                self._cond.wait(timeout_s)
                chunk = self._next()
        return chunk

    def _next(self) -> Chunk | None:
        if self._memory:
            return self._memory[0]
        if self._use_memory or self._spool is None or self._cursor is None:
            return None
        # Replay: decoding a large batch under the lock stalls appends only briefly.
        payload, end, corrupt = self._spool.read(self._cursor)
        self.corrupt += corrupt
        if payload is None:
            self._cursor = end
            self._use_memory = True
            self._cond.notify_all()  # a flush may be waiting for the backlog to clear
            return None
        try:
            records = decode_payload(payload)
        except (ValueError, TypeError, KeyError):
            self.corrupt += 1
            records = []
        self.replayed += len(records)
        return Chunk(records, end, None, from_disk=True)

    def commit(self, chunk: Chunk) -> None:
        """``chunk`` is in the sink: release it (store thread)."""
        with self._cond:
            if self._memory and self._memory[0] is chunk:
                self._memory.popleft()
                self._memory_spans -= len(chunk.records)
            if chunk.seq is not None:
                self.committed_seq = max(self.committed_seq, chunk.seq)
            if chunk.end is not None and self._spool is not None:
                self._cursor = chunk.end
                while self._disk_seqs and self._disk_seqs[0][0] <= chunk.end:
                    self.committed_seq = max(self.committed_seq, self._disk_seqs.popleft()[1])
                self._spool.release(chunk.end)
            self._cond.notify_all()

    def wait_committed(self, seq: int, timeout_s: float) -> bool:
        """Wait until every chunk up to ``seq``, and any older backlog on disk (a previous
        process's spool included), is committed; False on timeout."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self.committed_seq >= seq and self._use_memory, timeout_s
            )

    def close(self) -> None:
        """Close the spool files; uncommitted batches stay on disk for the next process."""
        with self._cond:
            if self._spool is not None:
                self._spool.close()
