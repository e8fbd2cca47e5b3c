"""aiodeadlock: find deadlocks in asyncio programs."""

__version__ = "0.1.0"

from aiodeadlock.api import detect, install, run, uninstall  # noqa: E402
from aiodeadlock.errors import DeadlockError  # noqa: E402
from aiodeadlock.ordered import ordered  # noqa: E402

__all__ = ["DeadlockError", "__version__", "detect", "install", "ordered", "run", "uninstall"]
