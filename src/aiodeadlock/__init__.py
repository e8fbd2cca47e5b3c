"""aiodeadlock: find deadlocks in asyncio programs.

PYTEST_DONT_REWRITE: the package is a pytest plugin that may be imported before pytest
starts (`aiodeadlock run -m pytest`); pytest would then warn that it cannot rewrite it.
"""

__version__ = "0.1.0"

from aiodeadlock.api import detect, install, run, snapshot, uninstall
from aiodeadlock.errors import DeadlockError
from aiodeadlock.ordered import ordered

__all__ = [
    "DeadlockError",
    "__version__",
    "detect",
    "install",
    "ordered",
    "run",
    "snapshot",
    "uninstall",
]
