"""The recorder's counters, as one immutable snapshot."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RecorderStats"]


@dataclass(frozen=True, slots=True)
class RecorderStats:
    """What the recorder did since ``init()``: every span it could not record is counted here.

    Attributes:
        enqueued: spans accepted from traced code (acknowledged).
        written: spans written to the store (a replayed span may be written twice).
        pending: spans accepted but not yet in the store, excluding a disk backlog.
        dropped_queue_full: spans refused because the in-memory queue was full.
        dropped_sampled: spans of sampled-out traces that nothing rescued.
        rescued: spans of sampled-out traces kept for an error or a non-serve decision.
        held_for_sampling: spans waiting for their trace's root to decide sampling.
        dropped_by_processor: spans a processor dropped with ``DropSpan``.
        processor_errors: spans dropped because a processor raised.
        dropped_spool_full: spans neither spooled nor kept in memory (spool full or unwritable).
        spooled: spans appended to the on-disk spool (every span, before its store write).
        replayed: spans read back from the spool for the store (after an outage or backlog).
        spool_corrupt: corrupt spool records skipped during replay.
        adopted: spans replayed from orphaned spools (``pid-*`` folders of processes that died).
        dead_lettered: spans the store refused (not for being unreachable), moved to the
            dead-letter file in the spool folder.
        spool_bytes: size of the spool on disk.
        store_failures: failed store writes (each retried later).
        store_available: whether the last store write succeeded.
        exported: spans exported successfully.
        export_failures: failed export calls.
        dropped_export: spans not exported because the export queue was full.
        attributes_converted: attribute values converted because they were not JSON.
        dropped_child_exit: spans handed to the recorder's child process (``offload``) that
            ended before taking them.
    """

    enqueued: int = 0
    written: int = 0
    pending: int = 0
    dropped_queue_full: int = 0
    dropped_sampled: int = 0
    rescued: int = 0
    held_for_sampling: int = 0
    dropped_by_processor: int = 0
    processor_errors: int = 0
    dropped_spool_full: int = 0
    spooled: int = 0
    replayed: int = 0
    spool_corrupt: int = 0
    adopted: int = 0
    dead_lettered: int = 0
    spool_bytes: int = 0
    store_failures: int = 0
    store_available: bool = True
    exported: int = 0
    export_failures: int = 0
    dropped_export: int = 0
    attributes_converted: int = 0
    dropped_child_exit: int = 0
