"""An OTLP/HTTP span exporter (http/protobuf or http/json), beside the store."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

import httpx

from surefoot.tracing._exporters import ExportResult
from surefoot.tracing._otlp_mapping import to_otlp_json, to_otlp_proto
from surefoot.tracing._payload import LogOnce

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from surefoot.core._records import SpanRecord
    from surefoot.core.config import OtlpSettings

__all__ = ["OtlpExporter"]

logger = logging.getLogger("surefoot.tracing")
_failures = LogOnce()
_CONTENT_TYPES = {"http/protobuf": "application/x-protobuf", "http/json": "application/json"}


class OtlpExporter:
    """Sends spans to an OpenTelemetry collector's ``/v1/traces`` over HTTP.

    Failures (connection errors, non-2xx answers) return ``FAILURE``; they are logged once per
    kind and counted by the recorder, and never retried here: the store holds every span anyway.

    Args:
        endpoint: the traces URL, e.g. ``http://127.0.0.1:4318/v1/traces``.
        headers: sent with each request (often an API key).
        protocol: ``"http/protobuf"`` or ``"http/json"``.
        timeout_s: seconds per request.
        service_name: the ``service.name`` resource attribute.
        transport: an httpx transport, for tests.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        headers: Mapping[str, str] | None = None,
        protocol: Literal["http/protobuf", "http/json"] = "http/protobuf",
        timeout_s: float = 10.0,
        service_name: str = "surefoot-app",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.protocol = protocol
        self.service_name = service_name
        self._encode = to_otlp_proto if protocol == "http/protobuf" else to_otlp_json
        self._client = httpx.Client(
            headers={**(headers or {}), "Content-Type": _CONTENT_TYPES[protocol]},
            timeout=timeout_s,
            transport=transport,
        )
        self._closed = False

    @classmethod
    def from_settings(cls, settings: OtlpSettings, service_name: str) -> OtlpExporter:
        """An exporter configured by the ``otlp`` settings section."""
        if settings.endpoint is None:
            raise ValueError("otlp.endpoint is not set")
        return cls(
            settings.endpoint,
            headers={k: v.get_secret_value() for k, v in settings.headers.items()},
            protocol=settings.protocol,
            timeout_s=settings.timeout_s,
            service_name=service_name,
        )

    def export(self, batch: Sequence[SpanRecord]) -> ExportResult:
        """POST ``batch`` as one request."""
        if self._closed:
            return ExportResult.FAILURE
        try:
            body = self._encode(batch, self.service_name)
            response = self._client.post(self.endpoint, content=body)
        except (httpx.HTTPError, ValueError) as exc:
            _failures(type(exc), "surefoot: OTLP export to %s failed: %r", self.endpoint, exc)
            return ExportResult.FAILURE
        if response.is_success:
            return ExportResult.SUCCESS
        _failures(
            response.status_code,
            "surefoot: OTLP export to %s answered %d",
            self.endpoint,
            response.status_code,
        )
        return ExportResult.FAILURE

    def force_flush(self, timeout_s: float = 30.0) -> bool:
        """Nothing is buffered here: every export is one request."""
        return not self._closed

    def shutdown(self, timeout_s: float = 30.0) -> None:
        """Close the HTTP connections; later exports fail."""
        self._closed = True
        self._client.close()

    def __repr__(self) -> str:
        return f"OtlpExporter({self.endpoint!r}, protocol={self.protocol!r})"
