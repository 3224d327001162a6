"""Model clients behind one interface, and model pins.

* :class:`Provider` is the base class every client derives from: ``complete``/``acomplete``,
  ``stream``/``astream``, ``embed``/``aembed``, ``close``/``aclose`` and context managers. Each
  call makes one attempt, opens one traced span, and checks the served model against its pin.
* :class:`OpenAICompatibleProvider` speaks OpenAI's HTTP API (OpenAI, Azure, vLLM, llama.cpp,
  Ollama, LiteLLM); :class:`CallableProvider` and :class:`ClassifierProvider` wrap Python models.
* :class:`ModelRef` parses ``[provider:]model-id[=served-id]`` and refuses floating aliases;
  :func:`check_served` compares a served model id with a pin.
* :func:`map_provider_errors` translates httpx errors at the HTTP boundary; errors come from
  :mod:`surefoot.core.errors`.
"""

from surefoot.providers._base import Provider
from surefoot.providers._callable import CallableProvider, ClassifierProvider, Handler
from surefoot.providers._errors import (
    error_for_status,
    map_provider_errors,
    parse_retry_after,
    raise_for_status,
)
from surefoot.providers._openai import OpenAICompatibleProvider
from surefoot.providers._pins import (
    ModelRef,
    PinCheck,
    PinTracker,
    check_served,
    is_versioned,
    served_matches,
)
from surefoot.providers._sse import ServerSentEvent, SSEDecoder
from surefoot.providers._stream import StreamAccumulator
from surefoot.providers._types import (
    ChatChunk,
    ChatRequest,
    ChatResponse,
    Choice,
    ChunkChoice,
    EmbeddingRequest,
    EmbeddingResponse,
    Message,
    ResponseFormat,
    TokenLogprob,
    TopLogprob,
    Usage,
)

__all__ = [
    "CallableProvider",
    "ChatChunk",
    "ChatRequest",
    "ChatResponse",
    "Choice",
    "ChunkChoice",
    "ClassifierProvider",
    "EmbeddingRequest",
    "EmbeddingResponse",
    "Handler",
    "Message",
    "ModelRef",
    "OpenAICompatibleProvider",
    "PinCheck",
    "PinTracker",
    "Provider",
    "ResponseFormat",
    "SSEDecoder",
    "ServerSentEvent",
    "StreamAccumulator",
    "TokenLogprob",
    "TopLogprob",
    "Usage",
    "check_served",
    "error_for_status",
    "is_versioned",
    "map_provider_errors",
    "parse_retry_after",
    "raise_for_status",
    "served_matches",
]
