"""The ``surefoot`` command line.

Each command group lives in its own module and registers itself on :data:`app` when imported.
"""

import surefoot.cli._actions
import surefoot.cli._cases
import surefoot.cli._config
import surefoot.cli._db
import surefoot.cli._demo
import surefoot.cli._doctor
import surefoot.cli._eval
import surefoot.cli._incidents
import surefoot.cli._keys
import surefoot.cli._monitor
import surefoot.cli._review
import surefoot.cli._serve
import surefoot.cli._traces  # noqa: F401
from surefoot.cli._app import app, main

__all__ = ["app", "main"]
