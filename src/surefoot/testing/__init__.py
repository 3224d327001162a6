"""Helpers for your own tests: real fakes instead of mocks.

* :class:`FaultServer` is a real OpenAI-compatible HTTP server on 127.0.0.1 that injects
  scripted faults (latency, hangs, 429, 5xx, malformed bodies, cut streams, silent model
  upgrades, refusals, format drift) and records what it received.
* :class:`CallableProvider` puts any Python function behind the provider interface.
* :class:`WebhookReceiver` is a real webhook endpoint on 127.0.0.1 that records each delivery
  and answers with scripted statuses.
"""

from surefoot.providers import CallableProvider
from surefoot.testing._fault_app import RecordedRequest
from surefoot.testing._fault_server import FaultServer
from surefoot.testing._faults import Fault, FaultKind, Responder
from surefoot.testing._memory import CapturedTraces, InMemoryExporter, InMemorySink, capture_traces
from surefoot.testing._webhook_receiver import Received, WebhookReceiver

__all__ = [
    "CallableProvider",
    "CapturedTraces",
    "Fault",
    "FaultKind",
    "FaultServer",
    "InMemoryExporter",
    "InMemorySink",
    "Received",
    "RecordedRequest",
    "Responder",
    "WebhookReceiver",
    "capture_traces",
]
