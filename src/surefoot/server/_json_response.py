"""The gateway's JSON responses, encoded by :mod:`surefoot.core._json`."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from surefoot.core._json import dumpb

__all__ = ["GatewayJSONResponse"]


class GatewayJSONResponse(JSONResponse):
    """A JSON response encoded in pydantic-core, several times faster than the standard
    library. A non-finite number from an upstream reaches the client as a string ("NaN")
    rather than failing the response."""

    def render(self, content: Any) -> bytes:
        return dumpb(content)
