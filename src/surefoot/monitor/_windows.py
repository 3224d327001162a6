"""Stored per-window profiles: written as records arrive, read back and merged by checks.

Windows sit on a fixed grid (``window_start = t - t % window``), so every writer, in any process,
updates the same rows. A field's bins are fixed by the first batch stored for it and shared by
every later window, which is what lets windows merge into references with ``FieldProfile.merge``.
Pass ``bins=`` to fix them from a known reference instead of the first batch.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from surefoot.core import SYSTEM_CLOCK, InvalidInput, ProfileWindowRecord
from surefoot.monitor._bins import Bins
from surefoot.monitor._items import ITEMS_KEY, count_items, merge_items
from surefoot.monitor._profile import FieldProfile
from surefoot.monitor._signals import MAX_EXAMPLES, extract_signals
from surefoot.store import ProfileStore

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from surefoot.core import Clock, SpanRecord
    from surefoot.store import ProfileKey, Store

TRACES = "traces"
"""The source of signals extracted from spans."""

Timestamp = int | float | dt.datetime
Column = npt.NDArray[Any]


def window_start(t_ns: int, window_ns: int) -> int:
    """The start of the grid window holding ``t_ns``.

    Examples:
        >>> window_start(1_250, 1_000), window_start(2_000, 1_000)
        (1000, 2000)
    """
    return t_ns - t_ns % window_ns


def _to_ns(at: Timestamp) -> int:
    if isinstance(at, dt.datetime):
        if at.tzinfo is None:
            raise InvalidInput("timestamps must be timezone-aware; use datetime.now(UTC)")
        return int(at.timestamp() * 1e9)
    if isinstance(at, float):
        return int(at * 1e9)  # seconds since the epoch, as time.time() returns
    return int(at)


def as_columns(batch: Any) -> dict[str, Column]:
    """Arrays per column from a pandas DataFrame, a pyarrow Table or a mapping of sequences."""
    try:
        if hasattr(batch, "column_names") and hasattr(batch, "column"):  # pyarrow Table / batch
            raw = {n: batch.column(n).to_numpy(zero_copy_only=False) for n in batch.column_names}
        elif hasattr(batch, "columns") and hasattr(batch, "to_numpy"):  # pandas DataFrame
            raw = {c: batch[c].to_numpy() for c in batch.columns}
        else:
            raw = dict(batch)
        columns = {str(k): _column(v) for k, v in raw.items()}
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            "a batch must be a DataFrame, an Arrow table or a mapping of column lists"
        ) from exc
    sizes = {len(v) for v in columns.values()}
    if len(sizes) > 1:
        raise InvalidInput(f"columns have different lengths {sorted(sizes)}; align them first")
    return columns


def _column(values: Any) -> Column:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError("each column must be one-dimensional")
    if array.dtype.kind == "U" and any(v is None for v in values):
        array = np.asarray(values)  # keep None as missing, not the string 'None'
    return array


def _merged_ids(first: Sequence[str], second: Sequence[str]) -> tuple[str, ...]:
    out = list(first)
    out.extend(t for t in second if t not in out)
    return tuple(out[:MAX_EXAMPLES])


class ProfileWriter:
    """Writes batches into stored per-window profiles, merging with what is there.

    Args:
        repository: Where profiles are stored.
        window_s: Width of a stored window; monitor windows should be multiples of it.
        clock: Time of records logged without a timestamp.
        n_bins: Quantile bins of numeric fields whose bins come from their first batch.
    """

    def __init__(
        self,
        repository: ProfileStore,
        window_s: float = 300.0,
        *,
        clock: Clock = SYSTEM_CLOCK,
        n_bins: int = 10,
    ) -> None:
        if window_s <= 0:
            raise InvalidInput("window_s must be positive")
        self.repository = repository
        self.window_s = window_s
        self.clock = clock
        self.n_bins = n_bins
        self._window_ns = int(window_s * 1e9)

    @property
    def window_ns(self) -> int:
        """Width of a stored window in nanoseconds."""
        return self._window_ns

    def log_batch(
        self,
        source: str,
        batch: Any,
        *,
        at: Timestamp | Sequence[Timestamp] | None = None,
        trace_ids: Sequence[str] | None = None,
        bins: Mapping[str, Bins] | None = None,
    ) -> list[ProfileWindowRecord]:
        """Profile a batch of records into the windows their timestamps fall in.

        Args:
            source: Name of the monitored source (a model, a feature set, an endpoint).
            batch: Columns: a pandas DataFrame, a pyarrow Table or ``{"field": [values]}``.
            at: One time for the whole batch, or one per row (ns ints, epoch-second floats or
                aware datetimes); now when omitted.
            trace_ids: Optional trace id per row, kept as examples linking checks to records.
            bins: Bins of fields seen for the first time (ignored for fields already stored).

        Returns:
            The stored window profiles after the merge.
        """
        columns = as_columns(batch)
        if not columns:
            return []  # records without fields: nothing to profile
        rows = len(next(iter(columns.values())))
        times = self._times(at, rows)
        if trace_ids is not None and len(trace_ids) != rows:
            raise InvalidInput("trace_ids needs one id per row of the batch")
        starts = np.asarray(times, dtype=np.int64)
        starts -= starts % self._window_ns
        slices: dict[ProfileKey, tuple[Column, list[str]]] = {}
        # Rows are grouped per window once; each column is then sliced by the group's indices.
        for start in np.unique(starts):
            rows_in = np.flatnonzero(starts == start)
            ids: list[str] = []
            if trace_ids is not None:
                ids = [t for t in (trace_ids[int(i)] for i in rows_in) if t][:MAX_EXAMPLES]
            whole = len(rows_in) == len(starts)
            for name, values in columns.items():
                slices[name, int(start)] = (values if whole else values[rows_in], ids)
        return self.write(source, slices, bins=bins)

    def _times(self, at: Timestamp | Sequence[Timestamp] | None, rows: int) -> list[int]:
        if at is None:
            return [self.clock.now_ns()] * rows
        if isinstance(at, int | float | dt.datetime):
            return [_to_ns(at)] * rows
        if len(at) != rows:
            raise InvalidInput("at needs one timestamp per row, or a single one for the batch")
        return [_to_ns(t) for t in at]

    def write(
        self,
        source: str,
        slices: Mapping[ProfileKey, tuple[Any, list[str]]],
        *,
        bins: Mapping[str, Bins] | None = None,
        watermark_ns: int | None = None,
    ) -> list[ProfileWindowRecord]:
        """Merge values (and example trace ids) per (field, window start) into the store."""
        now = self.clock.now_ns()
        given = dict(bins or {})

        def build(
            stored: dict[ProfileKey, ProfileWindowRecord], firsts: dict[str, dict[str, Any]]
        ) -> list[ProfileWindowRecord]:
            fixed = {f: FieldProfile.from_dict(state).bins for f, state in firsts.items()}
            out = []
            for (name, start), (values, ids) in slices.items():
                if name not in fixed:
                    fitted = given.get(name) or _fit(slices, name, self.n_bins)
                    if fitted is None:
                        continue  # no value yet to fix the field's bins on; store it later
                    fixed[name] = fitted
                old = stored.get((name, start))
                try:
                    profile = FieldProfile(fixed[name]).update(_fit_kind(values, fixed[name]))
                    if old is not None:
                        profile = FieldProfile.from_dict(old.state).merge(profile)
                except InvalidInput as exc:
                    raise InvalidInput(f"field {name!r} of {source!r}: {exc.message}") from exc
                examples: tuple[str, ...] = tuple(ids[:MAX_EXAMPLES])
                if old is not None:
                    examples = _merged_ids(old.trace_ids, ids)
                state = profile.to_dict()
                if fixed[name].kind == "categorical":
                    # Exact counts per value beside the capped categories: concentration
                    # monitors need the catalogue's long tail, which "other" would hide.
                    before: Any = None if old is None else old.state.get(ITEMS_KEY)
                    state[ITEMS_KEY] = merge_items(before, count_items(values))
                out.append(
                    ProfileWindowRecord(
                        source, name, start, self._window_ns, state, profile.n, examples, now
                    )
                )
            return out

        return self.repository.update(
            source, list(slices), build, watermark_ns=watermark_ns, now_ns=now
        )


def _fit_kind(values: Any, bins: Bins) -> Column:
    # A numeric field's non-numbers (a stray string) count as missing, not as an error
    # that would drop the whole batch; the missing rate is itself monitored.
    array = np.asarray(values)
    if bins.kind != "numeric" or array.dtype.kind in "fiub":
        return array
    return np.array([_number(v) for v in array.ravel()], dtype=np.float64)


def _number(value: Any) -> float:
    if not isinstance(value, int | float | np.number | np.bool_):
        return float("nan")
    return float(value)


def _fit(slices: Mapping[ProfileKey, tuple[Any, list[str]]], name: str, n_bins: int) -> Bins | None:
    # A new field's bins come from every value of it in this batch, across its windows.
    values = np.concatenate([np.asarray(vs) for (f, _), (vs, _) in slices.items() if f == name])
    if values.dtype.kind in "fc":
        values = values[~np.isnan(values)]
    elif values.dtype.kind == "O":
        values = np.asarray([v for v in values if v is not None and v == v])
    return Bins.infer(values, n_bins) if values.size else None


def profile_traces(
    store: Store,
    writer: ProfileWriter,
    *,
    lateness_s: float = 60.0,
    now_ns: int | None = None,
) -> int:
    """Profile the signals of spans stored since the watermark into the ``traces`` source.

    Spans that started at least ``lateness_s`` ago are read once, window by window, and the
    watermark advances with each window's update in the same transaction, so no span is profiled
    twice. A span written later than ``lateness_s`` after it started is not profiled.

    Returns:
        Spans profiled.
    """
    now = writer.clock.now_ns() if now_ns is None else now_ns
    until = now - int(lateness_s * 1e9)
    since = writer.repository.watermark(TRACES) or 0
    if until <= since:
        return 0
    count = 0
    batch: list[SpanRecord] = []
    current: int | None = None
    for span in store.iter_spans(since_ns=since, until_ns=until):
        start = window_start(span.start_ns, writer.window_ns)
        if current is not None and start != current:
            _flush(writer, batch, current, watermark_ns=start)
            count += len(batch)
            batch = []
        current = start
        batch.append(span)
    if current is not None:
        _flush(writer, batch, current, watermark_ns=until)
        count += len(batch)
    else:
        writer.write(TRACES, {}, watermark_ns=until)
    return count


def _flush(
    writer: ProfileWriter, spans: Iterable[SpanRecord], start: int, watermark_ns: int
) -> None:
    signals = extract_signals(spans)
    slices = {
        (name, start): (list(values), list(signals.trace_ids.get(name, [])))
        for name, values in signals.columns.items()
    }
    writer.write(TRACES, slices, watermark_ns=watermark_ns)


def read_profile(
    repository: ProfileStore, source: str, field: str, since_ns: int, until_ns: int
) -> tuple[FieldProfile | None, tuple[str, ...]]:
    """The merged profile of a field over ``[since_ns, until_ns)`` and example trace ids."""
    merged: FieldProfile | None = None
    examples: tuple[str, ...] = ()
    for row in repository.windows(source, field, since_ns, until_ns):
        profile = FieldProfile.from_dict(row.state)
        merged = profile if merged is None else merged.merge(profile)
        examples = _merged_ids(examples, row.trace_ids)
    return merged, examples


def log_batch(
    store: Store,
    source: str,
    batch: Any,
    *,
    at: Timestamp | Sequence[Timestamp] | None = None,
    window_s: float = 300.0,
    trace_ids: Sequence[str] | None = None,
    bins: Mapping[str, Bins] | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> list[ProfileWindowRecord]:
    """Profile a batch of records (DataFrame, Arrow table or dict of columns) into the store.

    A shortcut for :meth:`ProfileWriter.log_batch`; keep a writer for many batches.

    Examples:
        >>> from surefoot.core import StoreSettings
        >>> from surefoot.store import Store
        >>> with Store.open(StoreSettings(url="sqlite://")) as store:
        ...     rows = log_batch(store, "pricing", {"amount": [3.0, 4.5, 9.0]}, at=600.0)
        >>> [(r.field, r.window_start_ns, r.n) for r in rows]
        [('amount', 600000000000, 3)]
    """
    writer = ProfileWriter(ProfileStore(store.engine), window_s, clock=clock)
    return writer.log_batch(source, batch, at=at, trace_ids=trace_ids, bins=bins)
