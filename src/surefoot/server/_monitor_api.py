"""The REST API of monitoring under ``/api/v1``: records into stored profiles, alerts, incidents.

Records are written by applications, like spans, so ``POST /monitor/records`` needs ``ingest``;
every read needs ``read``. Records merge into the stored per-window profiles of their source,
on the window grid of ``monitoring.profile_window_s``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from surefoot.core import AlertState, IncidentState, InvalidInput, plain_dict
from surefoot.monitor import ProfileWriter
from surefoot.server._auth import Scope, require_scope
from surefoot.server._errors import ApiError, error_responses
from surefoot.server._state import ServerState, server_state
from surefoot.store import IncidentStore, MonitorStore, ProfileStore

__all__ = ["router"]

_READ = [Depends(require_scope(Scope.READ))]
_INGEST = [Depends(require_scope(Scope.INGEST))]
router = APIRouter(prefix="/api/v1", responses=error_responses(400, 401, 403, 429, 503))
State = Annotated[ServerState, Depends(server_state)]
IncidentId = Annotated[
    str, Path(pattern=r"^[0-9a-f]{32}$", description="32 lower-case hex digits.")
]
MAX_ROWS = 100_000


def _valid_unicode(text: str) -> str:
    # JSON may carry NULs and lone surrogates that PostgreSQL does not store as text: replace
    # them with U+FFFD and keep the rest, rather than refusing a whole batch over one value.
    clean = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return clean.replace("\x00", "\ufffd")


Text = Annotated[
    str,
    AfterValidator(_valid_unicode),
    StringConstraints(min_length=1, max_length=255),
]
# Bounded so that sums of squares in a profile stay finite (JSON has no infinity).
Number = Annotated[float, Field(ge=-1e100, le=1e100, allow_inf_nan=False)]
Category = Annotated[str, AfterValidator(_valid_unicode), StringConstraints(max_length=1000)]


class RecordIn(BaseModel):
    """One record: field values, when it happened, and the trace it belongs to."""

    model_config = ConfigDict(extra="forbid")

    values: dict[Text, Number | bool | Category | None] = Field(
        description="Field values; a field absent from a record counts as missing."
    )
    at_ns: int | None = Field(
        None, ge=0, le=4 * 10**18, description="Nanoseconds since the epoch; now when unset."
    )
    trace_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")] | None = Field(
        None, description="The trace the record came from, kept as an example."
    )


class RecordsIn(BaseModel):
    """A batch of records of one source."""

    model_config = ConfigDict(extra="forbid")

    source: Text = Field(description="Monitored source name.")
    records: list[RecordIn] = Field(max_length=MAX_ROWS, description="The records.")


class WindowOut(BaseModel):
    """One stored window profile after the merge."""

    field: str
    window_start_ns: int
    window_ns: int
    n: int


class RecordsOut(BaseModel):
    """The windows the batch was merged into."""

    rows: int
    windows: list[WindowOut]


@router.post(
    "/monitor/records", tags=["monitor"], dependencies=_INGEST, summary="Log records of a source"
)
def log_records(state: State, body: RecordsIn) -> RecordsOut:
    """Merge a batch of records into the stored per-window profiles of its source.

    Values of a numeric field that are not numbers count as missing, like absent ones.
    """
    store = state.require_store()
    writer = ProfileWriter(ProfileStore(store.engine), state.settings.monitoring.profile_window_s)
    names = sorted({name for record in body.records for name in record.values})
    columns = {name: [r.values.get(name) for r in body.records] for name in names}
    now = writer.clock.now_ns()
    at = [now if r.at_ns is None else r.at_ns for r in body.records]
    trace_ids = [r.trace_id or "" for r in body.records]
    written = writer.log_batch(body.source, columns, at=at, trace_ids=trace_ids)
    windows = [
        WindowOut(field=w.field, window_start_ns=w.window_start_ns, window_ns=w.window_ns, n=w.n)
        for w in written
    ]
    return RecordsOut(rows=len(body.records), windows=windows)


@router.get("/alerts", tags=["monitor"], dependencies=_READ, summary="List alerts")
def list_alerts(
    state: State,
    alert_state: Annotated[AlertState | None, Query(alias="state")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, list[dict[str, Any]]]:
    """Alerts, most recently updated first, optionally in one state."""
    alerts = MonitorStore(state.require_store().engine).alerts(alert_state, limit)
    return {"alerts": [plain_dict(a) for a in alerts]}


@router.get("/incidents", tags=["monitor"], dependencies=_READ, summary="List incidents")
def list_incidents(
    state: State,
    incident_state: Annotated[IncidentState | None, Query(alias="state")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, list[dict[str, Any]]]:
    """Incidents, most recently opened first, optionally in one state."""
    incidents = IncidentStore(state.require_store().engine).incidents(incident_state, limit)
    return {"incidents": [plain_dict(i) for i in incidents]}


@router.get(
    "/incidents/{incident_id}",
    tags=["monitor"],
    dependencies=_READ,
    summary="Show an incident",
    responses=error_responses(404),
)
def get_incident(state: State, incident_id: IncidentId) -> dict[str, Any]:
    """An incident with its alerts, timeline and webhook deliveries."""
    engine = state.require_store().engine
    incidents = IncidentStore(engine)
    try:
        incident = incidents.incident(incident_id)
    except InvalidInput as exc:
        raise ApiError(404, str(exc), code="incident_not_found") from exc
    alerts = MonitorStore(engine).alerts(alert_ids=incident.alert_ids)
    return plain_dict(incident) | {
        "alerts": [plain_dict(a) for a in alerts],
        "timeline": [plain_dict(e) for e in incidents.timeline(incident_id)],
        "deliveries": [plain_dict(d) for d in incidents.deliveries(incident_id)],
    }
