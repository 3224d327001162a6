"""The base every repository shares: its engine, the engine's backend, and error mapping."""

from __future__ import annotations

from typing import TYPE_CHECKING

from surefoot.core.config import mask_url
from surefoot.store._engine import backend_of_engine
from surefoot.store._errors import map_store_errors

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlalchemy import Engine


class Repository:
    """One capability's tables behind methods that each run one transaction.

    Args:
        engine: an engine from :func:`surefoot.store.create_engine`, with the schema current.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._backend = backend_of_engine(engine)
        # Error messages name the database without its password.
        self._where = mask_url(str(engine.url))

    def _errors(self, action: str) -> AbstractContextManager[None]:
        """Translate driver errors raised while ``action`` runs into surefoot's store errors."""
        return map_store_errors(action, where=self._where)
