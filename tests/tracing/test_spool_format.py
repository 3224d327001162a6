"""The spool round-trips spans, detects corrupt records, and skips them without crashing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.tracing.strategies import span_records

from surefoot.core import SpanRecord
from surefoot.tracing._spool import MAGIC, Spool, decode_payload, encode_records


def read_all(spool: Spool) -> tuple[list[SpanRecord], int]:
    pos, corrupt = spool.start, 0
    out: list[SpanRecord] = []
    while True:
        payload, pos, bad = spool.read(pos)
        corrupt += bad
        if payload is None:
            return out, corrupt
        out.extend(decode_payload(payload))


@given(st.lists(span_records(), max_size=5))
def test_encoding_round_trips(records) -> None:
    """Decoding an encoded batch gives back equal spans."""
    assert decode_payload(encode_records(records)[12:]) == records


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=30)
@given(st.lists(st.lists(span_records(), min_size=1, max_size=3), max_size=4))
def test_spool_round_trips_batches_in_order(tmp_path: Path, batches) -> None:
    """Batches appended are read back in the same order."""
    spool = Spool(tmp_path / "rt")
    try:
        for batch in batches:
            spool.append(encode_records(batch))
        assert read_all(spool) == ([r for b in batches for r in b], 0)
    finally:
        spool.close()
        for f in (tmp_path / "rt").glob("seg-*"):
            f.unlink()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=30)
@given(st.integers(1, 200))
def test_torn_tail_is_skipped_and_counted(tmp_path: Path, cut: int) -> None:
    """A record cut short by a crash is counted as corrupt; the records before it survive."""
    directory = tmp_path / f"torn-{cut}"
    spool = Spool(directory)
    good = [_span(i) for i in range(3)]
    spool.append(encode_records(good))
    spool.close()
    segment = next(directory.glob("seg-*"))
    torn = encode_records([_span(9)])
    segment.write_bytes(segment.read_bytes() + torn[: min(cut, len(torn) - 1)])
    reopened = Spool(directory)
    try:
        assert read_all(reopened) == (good, 1)
    finally:
        reopened.close()


def test_corrupt_record_in_the_middle_is_skipped(tmp_path: Path) -> None:
    """A record with a bad checksum is skipped and the records after it are still read."""
    first, second, third = (encode_records([_span(i)]) for i in range(3))
    broken = bytearray(second)
    broken[-3] ^= 0xFF
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "seg-0000000001.spool").write_bytes(first + bytes(broken) + third)
    spool = Spool(tmp_path / "s")
    try:
        records, corrupt = read_all(spool)
    finally:
        spool.close()
    assert [r.span_id for r in records] == [_span(0).span_id, _span(2).span_id]
    assert corrupt == 1


def test_garbage_file_is_counted_not_fatal(tmp_path: Path) -> None:
    """A segment full of garbage yields no spans and a corrupt count, not an exception."""
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "seg-0000000001.spool").write_bytes(b"\x00garbage" * 100 + MAGIC + b"xx")
    spool = Spool(tmp_path / "g")
    try:
        records, corrupt = read_all(spool)
    finally:
        spool.close()
    assert records == []
    assert corrupt >= 1


def test_a_second_process_cannot_share_the_folder(tmp_path: Path) -> None:
    """The spool folder is locked: a second writer is refused."""
    spool = Spool(tmp_path / "locked")
    try:
        with pytest.raises(BlockingIOError):
            Spool(tmp_path / "locked")
    finally:
        spool.close()


def test_released_segments_are_deleted(tmp_path: Path) -> None:
    """Once the reader has caught up, consumed segment files are removed."""
    spool = Spool(tmp_path / "rel", segment_bytes=1024)
    try:
        for i in range(20):
            spool.append(encode_records([_span(i)]))
        spool.release(spool.end)
        assert spool.size_bytes == 0
        assert len(list((tmp_path / "rel").glob("seg-*"))) == 1
    finally:
        spool.close()


def test_closing_a_spool_the_store_has_caught_up_with_leaves_nothing_to_replay(
    tmp_path: Path,
) -> None:
    """A segment whose every record is released is removed at close, however small."""
    spool = Spool(tmp_path / "caught-up")
    spool.append(encode_records([_span(0)]))
    spool.release(spool.end)
    spool.close()
    assert list((tmp_path / "caught-up").glob("seg-*")) == []


def test_closing_a_spool_keeps_records_the_store_has_not_confirmed(tmp_path: Path) -> None:
    """A segment holding a record after the last release stays whole on disk for the next
    process (the store's idempotency absorbs the records it replays twice)."""
    spool = Spool(tmp_path / "behind")
    spool.append(encode_records([_span(0)]))
    spool.release(spool.end)
    spool.append(encode_records([_span(1)]))
    spool.close()
    reopened = Spool(tmp_path / "behind")
    try:
        names, pos = [], reopened.start
        while (read := reopened.read(pos))[0] is not None:
            payload, pos, _ = read
            assert payload is not None
            names += [s.name for s in decode_payload(payload)]
        assert names == ["span-0", "span-1"]
    finally:
        reopened.close()


def _span(i: int) -> SpanRecord:
    return SpanRecord(f"{i + 1:032x}", f"{i + 1:016x}", f"span-{i}", start_ns=i, end_ns=i + 1)
