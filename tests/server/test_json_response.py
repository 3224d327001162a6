"""The gateway's JSON bodies: compact UTF-8, and never a 500 for a number JSON cannot hold."""

from __future__ import annotations

import math

from surefoot.server._json_response import GatewayJSONResponse


def test_body_is_compact_utf8_json() -> None:
    response = GatewayJSONResponse({"content": "héllo", "n": [1, 2]})
    assert response.body == '{"content":"héllo","n":[1,2]}'.encode()
    assert response.headers["content-type"] == "application/json"


def test_a_non_finite_number_from_an_upstream_is_sent_as_a_string() -> None:
    response = GatewayJSONResponse({"logprob": -math.inf})
    assert response.body == b'{"logprob":"-Infinity"}'
