"""The eval repository: versioned datasets, the per-case result cache and stored runs.

Results are written with an insert that skips existing keys, in one transaction per batch: a run
that is interrupted leaves whole rows or none, and a re-run writes only what is missing.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from surefoot.core._eval_records import EvalCase, EvalResult, EvalRunRecord
from surefoot.core._loop_records import CaseOrigin, ReviewItem
from surefoot.store._actions import writing
from surefoot.store._engine import insert_ignoring_duplicates as _insert_ignoring
from surefoot.store._repository import Repository
from surefoot.store._review import insert_item
from surefoot.store._schema_evals import (
    eval_cases,
    eval_datasets,
    eval_judge_grades,
    eval_results,
    eval_review_samples,
    eval_runs,
)
from surefoot.store._schema_loop import review_items

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

# (case hash, output hash, judge run) -> (score, reason)
GradeKey = tuple[str, str, int]


__all__ = ["EvalStore", "dataset_hash"]

# SQLite caps bound parameters per statement; cache look-ups are chunked below it.
_CHUNK = 500


def dataset_hash(cases: Sequence[EvalCase]) -> str:
    """The content hash of a dataset version: sha256 over its ordered case hashes and splits."""
    digest = hashlib.sha256()
    for case in cases:
        digest.update(f"{case.case_hash}:{case.split}\n".encode())
    return digest.hexdigest()


def _row_to_case(row: Any) -> EvalCase:
    return EvalCase(
        case_hash=row.case_hash,
        input=row.input,
        expected=row.expected,
        tags=tuple(row.tags or ()),
        origin=CaseOrigin(row.origin),
        split=row.split,
    )


def _row_to_run(row: Any) -> EvalRunRecord:
    values = dict(row._mapping)
    values["config"] = values["config"] or {}
    values["scores"] = values["scores"] or {}
    return EvalRunRecord(**values)


class EvalStore(Repository):
    """Eval datasets, cached results and runs in the store.

    Args:
        engine: the store's engine (``Store.engine``), with the schema current.
    """

    def save_dataset(self, name: str, cases: Sequence[EvalCase], now_ns: int) -> int:
        """Store ``cases`` as the next version of ``name``; returns the version.

        The same content as an existing version returns that version instead of a new one.
        """
        content = dataset_hash(cases)
        with self._errors("saving an eval dataset"), writing(self.engine) as c:
            known = c.execute(
                select(eval_datasets.c.version).where(
                    eval_datasets.c.name == name, eval_datasets.c.content_hash == content
                )
            ).scalar()
            if known is not None:
                return int(known)
            last = c.execute(
                select(func.max(eval_datasets.c.version)).where(eval_datasets.c.name == name)
            ).scalar()
            version = int(last or 0) + 1
            c.execute(
                eval_datasets.insert().values(
                    name=name,
                    version=version,
                    content_hash=content,
                    case_count=len(cases),
                    created_ns=now_ns,
                )
            )
            if cases:
                c.execute(
                    eval_cases.insert(),
                    [_case_row(name, version, i, k) for i, k in enumerate(cases)],
                )
            return version

    def dataset_versions(self, name: str) -> list[tuple[int, str, int]]:
        """Each stored version of ``name`` as (version, content hash, case count), oldest first."""
        t = eval_datasets
        stmt = select(t.c.version, t.c.content_hash, t.c.case_count).where(t.c.name == name)
        with self._errors("listing eval dataset versions"), self.engine.connect() as c:
            return [(r[0], r[1], r[2]) for r in c.execute(stmt.order_by(t.c.version))]

    def load_dataset(
        self, name: str, version: int | None = None
    ) -> tuple[int, list[EvalCase]] | None:
        """The cases of one version of ``name`` (the latest when ``version`` is None), or None."""
        versions = self.dataset_versions(name)
        if version is None:
            version = versions[-1][0] if versions else None
        if version is None or version not in {v for v, _, _ in versions}:
            return None
        stmt = (
            select(eval_cases)
            .where(eval_cases.c.name == name, eval_cases.c.version == version)
            .order_by(eval_cases.c.position)
        )
        with self._errors("reading an eval dataset"), self.engine.connect() as c:
            return version, [_row_to_case(r) for r in c.execute(stmt)]

    def cached_results(self, config_hash: str, case_hashes: Iterable[str]) -> list[EvalResult]:
        """Every stored result of ``config_hash`` for these cases."""
        wanted = set(case_hashes)
        t = eval_results
        # Columns in the record's field order, so a row unpacks straight into an EvalResult.
        stmt = select(*(t.c[f] for f in EvalResult.__slots__)).where(t.c.config_hash == config_hash)
        with self._errors("reading cached eval results"), self.engine.connect() as c:
            if len(wanted) > _CHUNK:
                # Large runs read the configuration's rows in one indexed scan and filter here,
                # instead of many IN lists (SQLite caps bound parameters per statement).
                rows = c.execute(stmt)
                return [EvalResult(*r) for r in rows if r[0] in wanted]
            rows = c.execute(stmt.where(t.c.case_hash.in_(sorted(wanted))))
            return [EvalResult(*r) for r in rows]

    def write_results(self, results: Sequence[EvalResult]) -> None:
        """Commit results in one transaction; keys already stored are left as they are."""
        if not results:
            return
        rows = [{f: getattr(r, f) for f in EvalResult.__slots__} for r in results]
        with self._errors("writing eval results"), writing(self.engine) as c:
            c.execute(_insert_ignoring(self._backend, eval_results), rows)

    def cached_grades(
        self, judge_hash: str, case_hashes: Iterable[str]
    ) -> dict[GradeKey, tuple[float, str]]:
        """Every stored grade of judge ``judge_hash`` for these cases, by (case, output, run)."""
        t = eval_judge_grades
        wanted = sorted(set(case_hashes))
        found: dict[GradeKey, tuple[float, str]] = {}
        cols = (t.c.case_hash, t.c.output_hash, t.c.run, t.c.score, t.c.reason)
        with self._errors("reading cached judge grades"), self.engine.connect() as c:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                stmt = select(*cols).where(t.c.judge_hash == judge_hash, t.c.case_hash.in_(chunk))
                for r in c.execute(stmt):
                    found[(r.case_hash, r.output_hash, r.run)] = (r.score, r.reason or "")
        return found

    def write_grades(
        self, judge_hash: str, grades: Mapping[GradeKey, tuple[float, str]], now_ns: int
    ) -> None:
        """Commit judge grades in one transaction; grades already stored are kept."""
        if not grades:
            return
        rows = [
            {"judge_hash": judge_hash, "case_hash": case, "output_hash": output, "run": run}
            | {"score": score, "reason": reason, "created_ns": now_ns}
            for (case, output, run), (score, reason) in grades.items()
        ]
        with self._errors("writing judge grades"), writing(self.engine) as c:
            c.execute(_insert_ignoring(self._backend, eval_judge_grades), rows)

    def queue_review_samples(
        self, run_id: str, config_hash: str, items: Sequence[tuple[str, ReviewItem]]
    ) -> None:
        """Queue ``(case hash, review item)`` pairs for human grading, linked to the run's outputs.

        Items and links are written in one transaction, so no grade is ever orphaned.
        """
        links = [
            {
                "item_id": item.item_id,
                "run_id": run_id,
                "case_hash": case,
                "config_hash": config_hash,
            }
            for case, item in items
        ]
        with self._errors("queueing eval samples for review"), writing(self.engine) as c:
            for _, item in items:
                insert_item(c, item)
            if links:
                c.execute(eval_review_samples.insert(), links)

    def review_decisions(
        self, config_hash: str, case_hashes: Iterable[str]
    ) -> list[tuple[str, str, int | None]]:
        """Reviewers' decisions on sampled outputs of ``config_hash``: (case, status, decided).

        Read-only over the review queue's items; undecided items are included with their status.
        """
        wanted = set(case_hashes)
        s, r = eval_review_samples, review_items
        stmt = (
            select(s.c.case_hash, r.c.status, r.c.decided_ns)
            .join(r, r.c.item_id == s.c.item_id)
            .where(s.c.config_hash == config_hash)
            .order_by(r.c.decided_ns, s.c.item_id)
        )
        with self._errors("reading human grades"), self.engine.connect() as c:
            rows = c.execute(stmt).all()
        return [(row[0], row[1], row[2]) for row in rows if row[0] in wanted]

    def save_run(self, run: EvalRunRecord) -> None:
        """Store a finished run."""
        row = {f: getattr(run, f) for f in EvalRunRecord.__slots__}
        with self._errors("saving an eval run"), writing(self.engine) as c:
            c.execute(eval_runs.insert().values(row))

    def get_run(self, run_id: str) -> EvalRunRecord | None:
        """The run with this id, or None."""
        stmt = select(eval_runs).where(eval_runs.c.run_id == run_id)
        with self._errors("reading an eval run"), self.engine.connect() as c:
            row = c.execute(stmt).one_or_none()
        return None if row is None else _row_to_run(row)

    def list_runs(self, suite: str | None = None, limit: int = 20) -> list[EvalRunRecord]:
        """The newest runs first, optionally of one suite."""
        stmt = select(eval_runs).order_by(eval_runs.c.created_ns.desc()).limit(limit)
        if suite is not None:
            stmt = stmt.where(eval_runs.c.suite == suite)
        with self._errors("listing eval runs"), self.engine.connect() as c:
            return [_row_to_run(r) for r in c.execute(stmt)]


def _case_row(name: str, version: int, position: int, case: EvalCase) -> dict[str, Any]:
    return {
        "name": name,
        "version": version,
        "position": position,
        "case_hash": case.case_hash,
        "input": case.input,
        "expected": case.expected,
        "tags": list(case.tags),
        "origin": str(case.origin),
        "split": case.split,
    }
