"""Translation of driver and SQLAlchemy errors into surefoot's error tree, at the boundary."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from sqlalchemy import exc as sa_exc

from surefoot.core.errors import MigrationRequired, StoreError, StoreUnavailable, SurefootError

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["map_store_errors"]

# SQLite's texts for a schema that is missing or older than the code.
_SCHEMA_MARKERS = ("no such table", "no such column")
# PostgreSQL SQLSTATEs: undefined_table, undefined_column.
_SCHEMA_SQLSTATES = frozenset({"42P01", "42703"})
_BUG_HINT = "this looks like a bug or unexpected data in surefoot; report it with this message"


@contextlib.contextmanager
def map_store_errors(action: str, *, where: str = "") -> Iterator[None]:
    """Raise surefoot errors instead of driver errors for the enclosed database work.

    Args:
        action: what was being done, e.g. ``"writing spans"``; starts the message.
        where: the masked store URL, named in the message when given.

    Raises:
        StoreUnavailable: the database cannot be reached (refused, timed out, gone, locked).
        MigrationRequired: a table or column the code needs does not exist.
        StoreError: any other database failure, or a value the driver cannot bind.
    """
    place = f" at {where}" if where else ""
    try:
        yield
    except sa_exc.DBAPIError as exc:
        raise _classify(exc, f"{action} failed{place}") from exc
    except sa_exc.TimeoutError as exc:
        # The pool ran out of connections within the timeout: the database is saturated.
        raise StoreUnavailable(f"{action} failed{place}: no connection free ({exc})") from exc
    except sa_exc.SQLAlchemyError as exc:
        raise StoreError(f"{action} failed{place}: {exc}", hint=_BUG_HINT) from exc
    except OSError as exc:
        # Creating the SQLite folder or opening its file can fail before any driver call.
        raise StoreUnavailable(f"{action} failed{place}: {exc}") from exc
    except SurefootError:
        raise
    except (ValueError, ArithmeticError) as exc:
        # A value the driver cannot bind (an integer beyond 64 bits, a lone surrogate): the
        # data's fault, so retrying it as it is would fail forever.
        raise StoreError(
            f"{action} failed{place}: a value cannot be stored ({type(exc).__name__}: {exc})",
            hint="fix or drop the offending value",
        ) from exc


def _classify(exc: sa_exc.DBAPIError, prefix: str) -> StoreError:
    detail = _first_line(exc.orig)
    if _is_schema_error(exc):
        return MigrationRequired(f"{prefix}: the schema is missing or outdated ({detail})")
    if exc.connection_invalidated or isinstance(
        exc, sa_exc.OperationalError | sa_exc.InterfaceError
    ):
        # OperationalError covers refused and timed-out connections, a server that went away,
        # a missing database and a locked SQLite file: all worth retrying later.
        return StoreUnavailable(f"{prefix}: {detail}")
    return StoreError(f"{prefix}: {detail}", hint=_BUG_HINT)


def _is_schema_error(exc: sa_exc.DBAPIError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _SCHEMA_SQLSTATES
    text = str(exc.orig).lower()
    return isinstance(exc, sa_exc.OperationalError | sa_exc.ProgrammingError) and any(
        marker in text for marker in _SCHEMA_MARKERS
    )


def _first_line(orig: BaseException | None) -> str:
    text = str(orig).strip() if orig is not None else "unknown database error"
    return text.splitlines()[0] if text else type(orig).__name__
