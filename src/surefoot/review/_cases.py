"""Closing the loop: failures become candidate eval cases, deduplicated, promoted by a human."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TextIO

from surefoot.core._clock import SYSTEM_CLOCK
from surefoot.core._ids import new_id
from surefoot.core._loop_records import Case, CaseOrigin, CaseStatus
from surefoot.core.errors import ConfigError, InvalidInput
from surefoot.review._dedup import input_text, jaccard, normalise, shingles, text_fingerprint
from surefoot.review._export import write_chat_jsonl, write_jsonl, write_parquet
from surefoot.store import ReviewStore

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from surefoot.core._clock import Clock
    from surefoot.store import Store

__all__ = ["CaseCollector"]


class CaseCollector:
    """Candidate eval cases from production failures, exact and near duplicates folded together.

    Args:
        store: where cases live (the ``cases`` table that evals read).
        clock: the time source.
        near_duplicate: Jaccard similarity of 3-token shingles at or above which a new failure
            counts as a duplicate of an existing case; 1.0 keeps only exact deduplication.
    """

    def __init__(
        self, store: Store, *, clock: Clock = SYSTEM_CLOCK, near_duplicate: float = 0.8
    ) -> None:
        if not 0.0 < near_duplicate <= 1.0:
            raise ConfigError(
                f"near_duplicate={near_duplicate} is outside (0, 1]",
                hint="use e.g. 0.8; 1.0 keeps only exact deduplication",
            )
        self.repo = ReviewStore(store.engine)
        self.clock = clock
        self.near_duplicate = near_duplicate

    def duplicate_of(self, value: Any) -> str | None:
        """The id of an existing case whose input is a (near-)duplicate of ``value``, if any."""
        tokens = normalise(input_text(value))
        mine = shingles(tokens)
        for case_id, text in self.repo.case_texts():
            if jaccard(mine, shingles(text.split())) >= self.near_duplicate:
                return case_id
        return None

    def add(
        self,
        value: Any,
        expected: Any = None,
        *,
        origin: CaseOrigin = CaseOrigin.PRODUCTION_FAILURE,
        tags: Iterable[str] = (),
        trace_id: str | None = None,
        source_item: str | None = None,
    ) -> tuple[str, bool]:
        """Add a candidate case unless it duplicates one; ``(case id, whether it is new)``.

        A duplicate that arrives with an expected output (a human correction) while the existing
        case has none gives the existing case that expected output.
        """
        tokens = normalise(input_text(value))
        existing = self.duplicate_of(value)
        if existing is None:
            case = Case(
                case_id=new_id(),
                input=value,
                expected=expected,
                origin=origin,
                tags=tuple(tags),
                trace_id=trace_id,
                source_item=source_item,
                fingerprint=text_fingerprint(tokens),
                created_ns=self.clock.now_ns(),
            )
            if self.repo.add_case(case, " ".join(tokens)):
                return case.case_id, True
            # A concurrent writer stored the exact same input first.
            existing = self.duplicate_of(value)
            if existing is None:  # pragma: no cover - the unique fingerprint row exists
                return case.case_id, False
        if expected is not None:
            self.repo.fill_expected(existing, expected)
        return existing, False

    def cases(self, status: CaseStatus | None = None, *, limit: int = 100_000) -> list[Case]:
        """Cases, oldest first."""
        return self.repo.list_cases(status, limit)

    def get(self, case_id: str) -> Case | None:
        """The case with this id, or None."""
        return self.repo.get_case(case_id)

    def promote(self, case_id: str) -> Case:
        """Move a candidate into the curated eval set; returns the promoted case.

        Promoting a promoted case again changes nothing.

        Raises:
            InvalidInput: no case has this id.
        """
        if not self.repo.update_case(case_id, {"status": str(CaseStatus.PROMOTED)}):
            raise InvalidInput(
                f"no case {case_id!r}", hint="list candidates with `surefoot cases list`"
            )
        case = self.repo.get_case(case_id)
        assert case is not None  # just updated; cases are never deleted
        return case

    def export_jsonl(self, out: TextIO, status: CaseStatus | None = None) -> int:
        """Write one JSON object per case to ``out``; returns how many."""
        return write_jsonl(self.cases(status), out)

    def export_chat(self, out: TextIO, status: CaseStatus | None = None) -> tuple[int, int]:
        """Write cases with an expected answer as OpenAI chat fine-tuning lines.

        Returns:
            ``(written, skipped)``; cases without an expected answer are skipped.
        """
        return write_chat_jsonl(self.cases(status), out)

    def export_parquet(self, path: Path, status: CaseStatus | None = None) -> int:
        """Write the cases to a Parquet file (needs ``surefoot[parquet]``); returns how many."""
        return write_parquet(self.cases(status), path)
