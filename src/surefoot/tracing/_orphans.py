"""Finding spools left behind by processes that died.

A process that finds the spool folder locked spools into ``spool_dir/pid-<pid>`` instead. If it
dies with spans in there, nobody would ever start with that folder again; so every recorder that
holds a spool looks for such folders whose lock it can take (their owner is gone) and replays
them as its own.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from surefoot.tracing._payload import LogOnce
from surefoot.tracing._spool import Spool

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["PID_PREFIX", "find_orphan"]

logger = logging.getLogger("surefoot.tracing")
_errors = LogOnce()

PID_PREFIX = "pid-"


def find_orphan(root: Path, own: Path) -> Spool | None:
    """The first ``pid-*`` spool under ``root`` (other than ``own``) whose owner is gone, locked
    for the caller; None when there is none."""
    try:
        candidates = sorted(p for p in root.glob(f"{PID_PREFIX}*") if p.is_dir() and p != own)
    except OSError as exc:
        _errors("scan", "surefoot: cannot look for orphaned spools in %s (%s)", root, exc)
        return None
    for folder in candidates:
        try:
            return Spool(folder, create=False)
        except BlockingIOError:
            continue  # its process is alive and still holds it
        except FileNotFoundError:
            continue  # adopted and removed by another process meanwhile
        except OSError as exc:
            _errors(str(folder), "surefoot: cannot adopt the spool %s (%s)", folder, exc)
    return None
