"""Embedders: the OpenAI-compatible one through a real server, the optional local one's loading."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from surefoot.core import ConfigError, InvalidInput
from surefoot.monitor import Embedder, OpenAIEmbedder, SentenceTransformerEmbedder
from surefoot.monitor._embedders import require
from surefoot.providers import OpenAICompatibleProvider
from surefoot.testing import FaultServer


class _Encoder:
    """A stand-in sentence-transformers model: fixed-size vectors from text lengths."""

    def __init__(self) -> None:
        self.calls: list[dict[str, object]] = []

    def encode(self, texts: Sequence[str], **options: object) -> np.ndarray:
        self.calls.append(options)
        return np.array([[len(t), 1.0] for t in texts])


def test_openai_embedder_returns_one_row_per_text_in_batches(fault_server: FaultServer) -> None:
    """Five texts in batches of two are three requests and five rows, in order."""
    with OpenAICompatibleProvider(fault_server.base_url, name="emb") as provider:
        embedder = OpenAIEmbedder(provider, "text-embedding-3-small", batch_size=2)
        vectors = embedder.embed(["a", "b", "c", "d", "a"])
    assert vectors.shape == (5, 8)
    assert np.allclose(vectors[0], vectors[4])
    assert fault_server.count(path="/v1/embeddings") == 3


def test_embedders_satisfy_the_protocol(fault_server: FaultServer) -> None:
    """Both shipped embedders are ``Embedder``s."""
    with OpenAICompatibleProvider(fault_server.base_url) as provider:
        assert isinstance(OpenAIEmbedder(provider, "m"), Embedder)
    assert isinstance(SentenceTransformerEmbedder(_Encoder()), Embedder)


def test_sentence_transformer_embedder_passes_batch_and_normalisation() -> None:
    """A loaded model is used as is, with the batch size and normalisation asked for."""
    encoder = _Encoder()
    vectors = SentenceTransformerEmbedder(encoder, batch_size=3).embed(["ab", "abc"])
    assert vectors.tolist() == [[2.0, 1.0], [3.0, 1.0]]
    assert encoder.calls == [{"batch_size": 3, "normalize_embeddings": True}]


def test_a_missing_optional_dependency_names_the_extra() -> None:
    """Importing an absent optional module raises a ConfigError naming the extra to install."""
    with pytest.raises(ConfigError, match=r"surefoot\[embeddings\]"):
        require("surefoot_no_such_module", "embeddings")


def test_an_embedder_returning_token_vectors_is_refused() -> None:
    """A model that returns the wrong shape is an input error that names pooling."""

    class _Tokens:
        def encode(self, texts: Sequence[str], **options: object) -> np.ndarray:
            return np.zeros((len(texts), 3, 4))

    with pytest.raises(InvalidInput, match="pooling"):
        SentenceTransformerEmbedder(_Tokens()).embed(["a"])
