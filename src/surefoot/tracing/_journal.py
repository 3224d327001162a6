"""The journal between the two recorder threads: every batch is spooled to disk, then written.

The processing thread appends each batch it drains to the spool (write-ahead) and, while there is
room, also keeps it in memory; the store thread takes batches in order, writes them to the sink,
and commits them. In the common case the store thread never reads the disk. After an outage, or
when the memory copy overflowed, it replays from the spool at its cursor until it has caught up,
then memory takes over again. Chunks are strictly ordered: spans reach the sink in the order they
were spooled.

The journal also adopts orphans: ``pid-*`` spools under the main spool folder whose process died
(see :mod:`surefoot.tracing._orphans`). Their records are handed to the store thread as chunks
like any other, in their order, ahead of new batches; once the last one is committed the folder
is removed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from surefoot.tracing._deadletter import write_dead_letters
from surefoot.tracing._orphans import find_orphan
from surefoot.tracing._payload import LogOnce
from surefoot.tracing._spool import Position, Spool, decode_payload, encode_records

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from surefoot.core._records import SpanRecord

__all__ = ["Chunk", "Journal"]

logger = logging.getLogger("surefoot.tracing")
_disk_errors = LogOnce()


@dataclass(slots=True)
class Chunk:
    """One batch on its way to the sink; ``end`` is None when it is not on disk, ``source`` is
    the adopted spool it was read from (None for this process's own)."""

    records: list[SpanRecord]
    end: Position | None
    seq: int | None
    from_disk: bool = False
    source: Spool | None = None


class Journal:
    """Orders, spools and hands over batches. Thread-safe.

    Args:
        spool: the spool, or None to keep batches in memory only.
        max_memory_spans: spans kept in memory for the store thread; beyond, it reads the disk.
        max_spool_bytes: spool size past which batches are kept in memory only (or dropped).
        root: the main spool folder, where orphaned ``pid-*`` spools are looked for and the
            dead-letter file is kept; None for neither.
        scan_interval_s: how often to look for orphaned spools (the first look is at once).
        monotonic: the clock that paces those looks.
    """

    def __init__(
        self,
        spool: Spool | None,
        *,
        max_memory_spans: int,
        max_spool_bytes: int,
        root: Path | None = None,
        scan_interval_s: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
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
        self.root = root if spool is not None else None
        self._orphan: Spool | None = None
        self._orphan_cursor: Position = (0, 0)
        self._scan_interval_s = scan_interval_s
        self._monotonic = monotonic
        self._next_scan = float("-inf")
        self._scanned = self.root is None
        self.adopted = 0

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
        # Orphans first: they are older than anything of ours, and under steady load the memory
        # queue is never empty, so taking them last could starve them.
        if self.root is not None:
            orphan_chunk = self._next_orphan()
            if orphan_chunk is not None:
                return orphan_chunk
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

    def _next_orphan(self) -> Chunk | None:
        while True:
            orphan = self._orphan
            if orphan is None:
                orphan = self._adopt_next()
                if orphan is None:
                    return None
            payload, end, corrupt = orphan.read(self._orphan_cursor)
            self.corrupt += corrupt
            if payload is not None:
                try:
                    records = decode_payload(payload)
                except (ValueError, TypeError, KeyError):
                    self.corrupt += 1
                    records = []
                return Chunk(records, end, None, from_disk=True, source=orphan)
            # Every record of it is in the store: remove it, and look for the next one at once.
            logger.info("surefoot: replayed the orphaned spool %s", orphan.directory)
            orphan.remove()
            self._orphan = None
            self._next_scan = float("-inf")
            self._cond.notify_all()

    def _adopt_next(self) -> Spool | None:
        now = self._monotonic()
        if self.root is None or self._spool is None or now < self._next_scan:
            return None
        self._next_scan = now + self._scan_interval_s
        orphan = find_orphan(self.root, self._spool.directory)
        self._scanned = True
        if orphan is not None:
            logger.warning(
                "surefoot: adopting the spool %s left by a process that is gone; replaying it",
                orphan.directory,
            )
            self._orphan, self._orphan_cursor = orphan, orphan.start
        else:
            self._cond.notify_all()  # a flush may be waiting for the first look
        return orphan

    def commit(self, chunk: Chunk) -> None:
        """``chunk`` is in the sink: release it (store thread)."""
        with self._cond:
            if chunk.source is not None:
                if chunk.source is self._orphan and chunk.end is not None:
                    self._orphan_cursor = chunk.end
                    chunk.source.release(chunk.end)
                self.adopted += len(chunk.records)
                self._cond.notify_all()
                return
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
        process's spool and orphaned spools included), is committed; False on timeout."""
        with self._cond:
            return self._cond.wait_for(
                lambda: (
                    self.committed_seq >= seq
                    and self._use_memory
                    and self._scanned
                    and self._orphan is None
                ),
                timeout_s,
            )

    def dead_letter(self, records: Sequence[SpanRecord], reason: str, now_ns: int) -> Path | None:
        """Append spans the store refused to the dead-letter file (store thread); returns its
        path, or None when there is no spool folder. Raises OSError when it cannot be written."""
        if self.root is None:
            return None
        return write_dead_letters(self.root, records, reason, now_ns)

    def close(self) -> None:
        """Close the spool files; uncommitted batches stay on disk for the next process (an
        adoption under way is resumed by whoever adopts the folder next)."""
        with self._cond:
            if self._spool is not None:
                self._spool.close()
            if self._orphan is not None:
                self._orphan.close()
                self._orphan = None
