"""``init``, ``flush``, ``shutdown``, ``reset`` and ``stats``: the lifecycle of tracing."""

from __future__ import annotations

import atexit
import logging
import os
import threading
from typing import TYPE_CHECKING

from surefoot.core._clock import SYSTEM_CLOCK
from surefoot.core.config import Settings
from surefoot.core.errors import ConfigError, StoreUnavailable
from surefoot.tracing._journal import Journal
from surefoot.tracing._offload import ProcessRecorder
from surefoot.tracing._orphans import PID_PREFIX
from surefoot.tracing._prices import PriceTable
from surefoot.tracing._processors import TruncatePayloads
from surefoot.tracing._recorder import Recorder
from surefoot.tracing._redact import Redact
from surefoot.tracing._sampling import TraceSampler
from surefoot.tracing._spool import Spool
from surefoot.tracing._state import STATE
from surefoot.tracing._stats import RecorderStats

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from surefoot.core._clock import Clock
    from surefoot.core._protocols import SpanSink
    from surefoot.core._records import SpanRecord
    from surefoot.core.config import RecorderSettings, StoreSettings, TracingSettings
    from surefoot.tracing._exporters import SpanExporter
    from surefoot.tracing._processors import Processor

__all__ = ["build_recorder", "flush", "init", "reset", "shutdown", "stats"]

logger = logging.getLogger("surefoot.tracing")
_lock = threading.Lock()
_atexit_registered = False


def init(
    settings: Settings | None = None,
    *,
    sink: SpanSink | None = None,
    exporters: Sequence[SpanExporter] = (),
    processors: Sequence[Processor] = (),
    clock: Clock | None = None,
) -> None:
    """Start recording: install a recorder behind ``tracing.span`` and ``@trace``.

    A store that cannot be reached does not fail ``init``: spans are spooled to disk, the
    degradation is logged and counted, and the store is retried. Invalid settings do fail it.
    Calling ``init`` again replaces the recorder (the old one is flushed and shut down).

    Args:
        settings: the settings; default :meth:`Settings.load` (environment and config file).
        sink: where spans are written; default the store ``settings.store`` names.
        exporters: also receive every processed span (e.g. :class:`OtlpExporter`).
        processors: run on every span before redaction, in order.
        clock: where time comes from; default the system clock.

    Raises:
        ConfigError: the settings, the store URL or the price table file are invalid.
    """
    settings = Settings.load() if settings is None else settings
    clock = SYSTEM_CLOCK if clock is None else clock
    tracing = settings.tracing
    prices = PriceTable.builtin()
    if tracing.price_table is not None:
        prices = prices.merged(PriceTable.from_toml(tracing.price_table))
    offload = bool(settings.recorder.offload)
    if offload and (sink is not None or exporters or processors or clock is not SYSTEM_CLOCK):
        raise ConfigError(
            "a custom sink, exporter, processor or clock cannot be sent to the recorder's child "
            "process",
            hint="set recorder.offload = false to record on threads of this process",
        )
    if offload:
        _check_store_url(settings.store)  # the child would fail on it, out of sight
    all_exporters = [] if offload else [*exporters, *_otlp_exporters(settings)]
    with _lock:
        _shutdown_locked(settings.recorder.shutdown_timeout_s)
        if not tracing.enabled:
            return
        if offload:
            STATE.recorder = ProcessRecorder(settings, clock)
        else:
            owned = None
            if sink is None:
                sink = owned = _open_store(settings.store)
            STATE.recorder = build_recorder(
                sink, tracing, settings.recorder, _open_journal(settings.recorder), clock,
                exporters=all_exporters, processors=processors,
            )  # fmt: skip
            STATE.owned_sink = owned
        STATE.prices = prices
        STATE.capture_payloads = tracing.capture_payloads
        _register_atexit()


def build_recorder(
    sink: SpanSink,
    tracing: TracingSettings,
    settings: RecorderSettings,
    journal: Journal,
    clock: Clock,
    *,
    exporters: Sequence[SpanExporter] = (),
    processors: Sequence[Processor] = (),
) -> Recorder:
    """A started recorder with the built-in processors the settings ask for after ``processors``:
    secret redaction, PII redaction, then the payload size cap (redaction first, so that a cut
    can never leave half a secret unrecognised)."""
    pipeline = [*processors, *default_processors(tracing)]
    sampler = TraceSampler(tracing.sample_rate, clock) if tracing.sample_rate < 1 else None
    return Recorder(
        sink, journal, settings, clock, processors=pipeline, sampler=sampler, exporters=exporters
    )


def default_processors(tracing: TracingSettings) -> list[Processor]:
    """The built-in processors the settings ask for, in order: secret redaction, PII redaction,
    then the payload size cap (redaction first, so that a cut can never leave half a secret
    unrecognised). Anything that records spans outside the recorder (e.g. OTLP ingest) runs these.
    """
    built: list[Processor] = []
    if tracing.redact_secrets or tracing.redact_pii:
        # One walk for both kinds: each is a pass over every string of the span.
        built.append(Redact(secrets=tracing.redact_secrets, pii=tracing.redact_pii))
    built.append(TruncatePayloads(tracing.max_payload_chars))
    return built


def is_initialised() -> bool:
    """Whether :func:`init` has installed a recorder (tracing records rather than no-ops)."""
    return STATE.recorder is not None


def flush(timeout_s: float = 5.0) -> bool:
    """Write every span recorded so far to the store (and exporters).

    Returns:
        True when everything was written within ``timeout_s`` (or tracing is off).
    """
    recorder = STATE.recorder
    return True if recorder is None else recorder.flush(timeout_s)


def shutdown(timeout_s: float = 5.0) -> bool:
    """Flush within ``timeout_s``, then stop recording; what is not written stays in the spool.

    Returns:
        True when everything was written.
    """
    with _lock:
        return _shutdown_locked(timeout_s)


def reset() -> None:
    """Stop recording and forget every setting, as before ``init()`` (for tests)."""
    shutdown(timeout_s=1.0)


def stats() -> RecorderStats:
    """The recorder's counters (all zero before ``init()``)."""
    recorder = STATE.recorder
    return RecorderStats() if recorder is None else recorder.stats()


def _shutdown_locked(timeout_s: float) -> bool:
    recorder, owned = STATE.recorder, STATE.owned_sink
    STATE.clear()
    if recorder is None:
        return True
    ok = recorder.shutdown(timeout_s)
    close = getattr(owned, "close", None)
    if close is not None:
        try:
            close()
        except Exception as exc:  # closing is best effort at exit
            logger.warning("surefoot: closing the store failed: %r", exc)
    return ok


def _check_store_url(settings: StoreSettings) -> None:
    from surefoot.store import backend_of

    backend_of(settings.url)


def _open_store(settings: StoreSettings) -> SpanSink:
    # Imported here: the tracing API must not need the store (and SQLAlchemy) until init().
    from surefoot.store import Store

    try:
        return Store.open(settings)
    except StoreUnavailable as exc:
        logger.warning(
            "surefoot: store unavailable at init (%s); spans are spooled to disk and written "
            "when it can be reached",
            exc,
        )
        return _DeferredStore(settings)


class _DeferredStore:
    """A sink that opens the store on first successful use, for a store down at ``init``."""

    def __init__(self, settings: StoreSettings) -> None:
        self._settings = settings
        self._store: SpanSink | None = None

    def write_spans(self, spans: Sequence[SpanRecord]) -> None:
        if self._store is None:
            from surefoot.store import Store

            self._store = Store.open(self._settings)
        self._store.write_spans(spans)

    def close(self) -> None:
        close = getattr(self._store, "close", None)
        if close is not None:
            close()


def _open_journal(settings: RecorderSettings) -> Journal:
    spool = _open_spool(settings.spool_dir)
    return Journal(
        spool,
        max_memory_spans=settings.queue_size,
        max_spool_bytes=settings.spool_max_bytes,
        root=settings.spool_dir,
    )


def _open_spool(directory: Path) -> Spool | None:
    try:
        return Spool(directory)
    except BlockingIOError:
        # Another live process owns the folder: spool beside it, in a folder of our own (which
        # whoever holds a spool here adopts if we die with spans in it).
        own = directory / f"{PID_PREFIX}{os.getpid()}"
        logger.warning("surefoot: spool %s is in use by another process; using %s", directory, own)
        try:
            return Spool(own)
        except OSError as exc:
            logger.warning("surefoot: cannot open spool %s (%s); memory only", own, exc)
            return None
    except OSError as exc:
        logger.warning(
            "surefoot: cannot open spool %s (%s); spans are kept in memory only while the "
            "store is unreachable",
            directory,
            exc,
        )
        return None


def _otlp_exporters(settings: Settings) -> list[SpanExporter]:
    if settings.otlp.endpoint is None:
        return []
    from surefoot.tracing._otlp import OtlpExporter

    return [OtlpExporter.from_settings(settings.otlp, settings.tracing.service_name)]


def _register_atexit() -> None:
    global _atexit_registered
    if not _atexit_registered:
        _atexit_registered = True
        atexit.register(_at_exit)


def _at_exit() -> None:
    recorder = STATE.recorder
    if recorder is not None:
        shutdown(recorder.settings.shutdown_timeout_s)
