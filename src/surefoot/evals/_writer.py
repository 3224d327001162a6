"""Batched result writes off the event loop, so target calls go on while a batch commits."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from surefoot.core._eval_records import EvalResult
    from surefoot.store import EvalStore

__all__ = ["BatchWriter"]


class BatchWriter:
    """Collects results and commits them in batches, one transaction each, in a worker thread.

    A commit blocks its thread, not the event loop: the database driver releases the GIL, so
    the runner keeps calling the target meanwhile. Batches are committed one at a time, in the
    order they filled. :meth:`aclose` commits what is left and waits for every commit, also on
    the way out of an interruption, so an interrupted run leaves whole batches or none.

    Args:
        store: where results go; None keeps nothing (the writer only counts).
        batch_size: results per transaction.
    """

    def __init__(self, store: EvalStore | None, batch_size: int) -> None:
        self.store, self.batch_size = store, batch_size
        self._pending: list[EvalResult] = []
        self._batches: asyncio.Queue[list[EvalResult] | None] = asyncio.Queue()
        self._task = asyncio.ensure_future(self._drain()) if store is not None else None

    def add(self, result: EvalResult) -> None:
        """Queue one result; a full batch is handed to the writer thread."""
        if self._task is None:
            return
        if self._task.done():
            # The writer failed (the store went away): surface it now, not after every call.
            self._task.result()
        self._pending.append(result)
        if len(self._pending) >= self.batch_size:
            self._batches.put_nowait(self._pending)
            self._pending = []

    async def aclose(self) -> None:
        """Commit the rest and wait until every batch is committed."""
        if self._task is None:
            return
        if self._pending:
            self._batches.put_nowait(self._pending)
            self._pending = []
        self._batches.put_nowait(None)
        # Shielded: a second cancellation must not abandon a commit that is half done.
        await asyncio.shield(self._task)

    async def _drain(self) -> None:
        assert self.store is not None
        while (batch := await self._batches.get()) is not None:
            await asyncio.to_thread(self.store.write_results, batch)
