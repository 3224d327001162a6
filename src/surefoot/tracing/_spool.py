"""The spool: an append-only journal of span batches on local disk.

Format: files ``seg-NNNNNNNNNN.spool`` in the spool folder, read in name order. Each holds
records of ``MAGIC (4 bytes) | payload length (u32 LE) | CRC-32 of payload (u32 LE) | payload``,
where the payload is UTF-8 JSON: a list of spans, each a list of the :class:`SpanRecord` fields.
A torn or corrupt record (bad magic, impossible length, CRC mismatch, bad JSON) is skipped by
scanning to the next magic, and counted; it never stops a replay.

Durability: each batch is one ``write()`` with no ``fsync``. That survives the death of the
process (``kill -9``, OOM): the bytes are in the kernel's page cache. It does not survive a power
cut or kernel crash within the kernel's writeback delay; ``fsync`` per batch would cost more than
the store write it protects.

Not thread-safe on its own: the journal calls it under its lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import struct
import zlib
from typing import TYPE_CHECKING, Any, BinaryIO

from surefoot.core._json import dumpb, loads
from surefoot.core._records import ErrorInfo, SpanKind, SpanRecord, SpanStatus

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "MAGIC",
    "RECORD_HEADER",
    "Position",
    "Spool",
    "decode_payload",
    "encode_records",
    "records_from_rows",
    "span_rows",
]

MAGIC = b"SFJ1"
_HEADER = struct.Struct("<4sII")
RECORD_HEADER = _HEADER  # magic, payload length, CRC-32 of the payload
_MAX_RECORD = 1 << 30
_SCAN_BLOCK = 1 << 20

# Enum members by value: a dict lookup, where calling the enum costs ten times as much.
_KINDS = {kind.value: kind for kind in SpanKind}
_STATUSES = {status.value: status for status in SpanStatus}

Position = tuple[int, int]
"""(segment number, byte offset): where a record starts or ends; ordered like the spool."""


def span_rows(records: list[SpanRecord]) -> list[tuple[Any, ...]]:
    """The records as rows of plain values, in the order :func:`records_from_rows` reads."""
    return [
        (r.trace_id, r.span_id, r.parent_id, r.name, r.kind.value, r.start_ns, r.end_ns,
         r.status.value, r.attributes, r.input, r.output,
         None if r.error is None else (r.error.type, r.error.message, r.error.traceback))
        for r in records
    ]  # fmt: skip


def records_from_rows(rows: Any) -> list[SpanRecord]:
    """The spans of rows shaped as :func:`span_rows` makes them (lists or tuples).

    Raises:
        ValueError: ``rows`` is not a list of such rows, or names an unknown kind or status.
    """
    out = []
    kinds, statuses = _KINDS, _STATUSES
    try:
        for row in rows:
            tid, sid, parent, name, kind, start, end, status, attrs, inp, outp, err = row
            error = None if err is None else ErrorInfo(*err)
            out.append(
                SpanRecord(tid, sid, name, kinds[kind], parent, start, end, statuses[status],
                           attrs, inp, outp, error)
            )  # fmt: skip
    except (KeyError, TypeError, ValueError) as exc:  # unknown enum value, or wrong shape
        raise ValueError(f"not a span batch: {exc!r}") from exc
    return out


def encode_records(records: list[SpanRecord]) -> bytes:
    """One spool record holding ``records``, header included."""
    payload = dumpb(span_rows(records))
    return _HEADER.pack(MAGIC, len(payload), zlib.crc32(payload)) + payload


def decode_payload(payload: bytes) -> list[SpanRecord]:
    """The spans of one record's payload; raises ValueError when it is not a valid batch."""
    return records_from_rows(loads(payload))


class Spool:
    """Segment files in ``directory``: appended at the end, read from a cursor, released behind.

    Args:
        directory: the spool folder; created if missing.
        segment_bytes: size past which a new segment file is started.
        create: create ``directory`` when missing; when false a missing folder raises
            ``FileNotFoundError`` (adopting another process's spool must not resurrect it).

    Raises:
        BlockingIOError: another live process holds the folder.
        OSError: the folder cannot be created or read.
    """

    def __init__(
        self, directory: Path, *, segment_bytes: int = 16 << 20, create: bool = True
    ) -> None:
        self.directory = directory
        self._segment_bytes = segment_bytes
        if create:
            directory.mkdir(parents=True, exist_ok=True)
        # One process per spool folder: two writers would interleave records and replay each
        # other's half-committed work. BlockingIOError tells the caller to pick another folder.
        self._lock_fd = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self._lock_fd)
            raise
        self._sizes: dict[int, int] = {}
        for path in sorted(directory.glob("seg-*.spool")):
            self._sizes[int(path.stem[4:])] = path.stat().st_size
        self._active = max(self._sizes, default=0) + 1
        self._fd = self._open(self._active)
        # How far the store has confirmed; at close, a segment it covers is not left to replay.
        self._released: Position = (0, 0)

    @property
    def start(self) -> Position:
        """The oldest position still on disk."""
        return min(self._sizes), 0

    @property
    def end(self) -> Position:
        """Where the next record will be written."""
        return self._active, self._sizes[self._active]

    @property
    def size_bytes(self) -> int:
        """Bytes on disk across all segments."""
        return sum(self._sizes.values())

    def append(self, data: bytes) -> Position:
        """Write one encoded record; returns its end. On OSError nothing was kept."""
        size = self._sizes[self._active]
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
        except OSError:
            os.ftruncate(self._fd, size)  # never leave a torn record in a live segment
            raise
        self._sizes[self._active] = size + len(data)
        return self._active, size + len(data)

    def read(self, pos: Position) -> tuple[bytes | None, Position, int]:
        """The payload of the record at ``pos``, the position after it, and corrupt regions
        skipped on the way. ``None`` when ``pos`` is the end of the spool."""
        corrupt = 0
        seg, off = pos
        while True:
            if seg not in self._sizes or off >= self._sizes[seg]:
                if seg >= self._active:
                    return None, (seg, off), corrupt
                seg, off = min(s for s in self._sizes if s > seg), 0
                continue
            payload, next_off = self._read_record(seg, off)
            if payload is not None:
                return payload, (seg, next_off), corrupt
            corrupt += 1
            off = next_off

    def release(self, pos: Position) -> None:
        """Everything before ``pos`` is in the store: delete segments that lie wholly behind it,
        and start a new segment when the reader has caught up with a large active one."""
        self._released = pos
        for seg in [s for s in self._sizes if s < pos[0]]:
            self._unlink(seg)
        if pos == self.end and self._sizes[self._active] >= self._segment_bytes // 16:
            self._rotate()
            self._unlink(pos[0])
        elif self._sizes[self._active] >= self._segment_bytes:
            self._rotate()

    def close(self) -> None:
        """Close the active segment; remove it when empty or wholly in the store, so that the
        next process does not replay what is already stored."""
        os.close(self._fd)
        if self._sizes.get(self._active) == 0 or self._released == self.end:
            self._unlink(self._active)
        os.close(self._lock_fd)  # closing releases the flock

    def remove(self) -> None:
        """Delete every segment and the folder itself (an adopted spool, once replayed).

        The files go while the lock is still held, so no other process can adopt them halfway.
        A folder holding anything else (or recreated meanwhile) is left in place.
        """
        os.close(self._fd)
        for seg in list(self._sizes):
            self._unlink(seg)
        with contextlib.suppress(OSError):
            (self.directory / ".lock").unlink()
            self.directory.rmdir()
        os.close(self._lock_fd)

    def _read_record(self, seg: int, off: int) -> tuple[bytes | None, int]:
        limit = self._sizes[seg]
        with open(self._path(seg), "rb") as f:
            f.seek(off)
            header = f.read(_HEADER.size)
            if len(header) == _HEADER.size:
                magic, length, crc = _HEADER.unpack(header)
                if magic == MAGIC and off + _HEADER.size + length <= limit:
                    payload = f.read(length)
                    if zlib.crc32(payload) == crc:
                        return payload, off + _HEADER.size + length
            return None, self._scan(f, off + 1, limit)

    def _scan(self, f: BinaryIO, off: int, limit: int) -> int:
        """The offset of the next magic at or after ``off``, else the segment's end."""
        while off < limit:
            f.seek(off)
            block = f.read(min(_SCAN_BLOCK, limit - off) + len(MAGIC) - 1)
            found = block.find(MAGIC)
            if found >= 0:
                return off + found
            off += _SCAN_BLOCK
        return limit

    def _rotate(self) -> None:
        os.close(self._fd)
        self._active += 1
        self._fd = self._open(self._active)

    def _open(self, seg: int) -> int:
        fd = os.open(self._path(seg), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._sizes[seg] = os.fstat(fd).st_size
        return fd

    def _unlink(self, seg: int) -> None:
        self._sizes.pop(seg, None)
        self._path(seg).unlink(missing_ok=True)

    def _path(self, seg: int) -> Path:
        return self.directory / f"seg-{seg:010d}.spool"
