"""Embedding similarity: how close the output's meaning is to the expected answer's.

An embedder is any object with ``embed(texts) -> array of shape (len(texts), dimensions)``, the
same shape :mod:`surefoot.monitor`'s embedders have, so one built for drift serves here too.
:class:`ProviderEmbedder` embeds through any OpenAI-compatible ``/v1/embeddings`` endpoint.
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Protocol

from surefoot.core.errors import InvalidInput
from surefoot.providers import EmbeddingRequest

if TYPE_CHECKING:
    from collections.abc import Sequence

    from surefoot.providers import Provider

__all__ = ["Embedder", "EmbeddingSimilarity", "ProviderEmbedder"]


class Embedder(Protocol):
    """Anything that embeds a batch of texts into one vector per text, in order."""

    def embed(self, texts: Sequence[str]) -> Any: ...


class ProviderEmbedder:
    """Embeds texts through a provider's embeddings call (one request per batch).

    Args:
        provider: usually an :class:`~surefoot.providers.OpenAICompatibleProvider`.
        model: the pinned embedding model id.
    """

    def __init__(self, provider: Provider, model: str) -> None:
        self.provider, self.model = provider, model

    def embed(self, texts: Sequence[str]) -> list[tuple[float, ...]]:
        """Vectors of ``texts`` in input order."""
        return list(
            self.provider.embed(EmbeddingRequest(model=self.model, input=list(texts))).vectors
        )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity of two vectors (0 when either is all zeros).

    Examples:
        >>> cosine([1.0, 0.0], [1.0, 0.0]), cosine([1.0, 0.0], [0.0, 2.0])
        (1.0, 0.0)
    """
    if len(a) != len(b):
        raise InvalidInput(f"vectors of {len(a)} and {len(b)} dimensions; use one embedder")
    dot = math.fsum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(math.fsum(x * x for x in a)) * math.sqrt(math.fsum(y * y for y in b))
    return dot / norm if norm else 0.0


class EmbeddingSimilarity:
    """Cosine similarity of the output's and the expected value's embeddings, clipped to [0, 1].

    Non-text values are embedded as their JSON. Vectors are cached per text (the expected
    answers repeat across runs and samples), at most ``cache_size`` of them.

    Args:
        embedder: what embeds texts (see :class:`Embedder`).
        cache_size: how many texts' vectors to keep.

    Examples:
        >>> class Letters:
        ...     def embed(self, texts):
        ...         return [[t.count("a"), t.count("b")] for t in texts]
        >>> sim = EmbeddingSimilarity(Letters())
        >>> round(sim("aab", "aab"), 6), sim("aa", "bb"), sim(None, "a")
        (1.0, 0.0, 0.0)
    """

    def __init__(self, embedder: Embedder, *, cache_size: int = 10_000) -> None:
        self.embedder, self.cache_size = embedder, cache_size
        self._cache: OrderedDict[str, tuple[float, ...]] = OrderedDict()

    def __call__(self, output: Any, expected: Any) -> float:
        if output is None or expected is None:
            return 0.0
        a, b = self._vectors([_text(output), _text(expected)])
        return min(1.0, max(0.0, cosine(a, b)))

    def _vectors(self, texts: list[str]) -> list[tuple[float, ...]]:
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            rows = [tuple(float(x) for x in row) for row in self.embedder.embed(missing)]
            if len(rows) != len(missing):
                raise InvalidInput(
                    f"the embedder returned {len(rows)} vectors for {len(missing)} texts; "
                    "it must return one vector per text"
                )
            for text, row in zip(missing, rows, strict=True):
                self._cache[text] = row
        vectors = [self._cache[t] for t in texts]
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return vectors
