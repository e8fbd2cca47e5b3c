"""aiodeadlock: find deadlocks in asyncio programs.

The public names are loaded on first use, so `import aiodeadlock` (and the static checker,
which imports only `aiodeadlock.check`) costs almost nothing and imports no asyncio.

PYTEST_DONT_REWRITE: the package is a pytest plugin that may be imported before pytest
starts (`aiodeadlock run -m pytest`); pytest would then warn that it cannot rewrite it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from aiodeadlock._version import __version__

if TYPE_CHECKING:
    from aiodeadlock.api import detect, install, run, snapshot, uninstall
    from aiodeadlock.detector import Detector
    from aiodeadlock.errors import AiodeadlockError, ConfigError, DeadlockError
    from aiodeadlock.model.report import Report
    from aiodeadlock.ordered import ordered

#: Public name -> the module that defines it.
_LAZY = {
    "AiodeadlockError": "aiodeadlock.errors",
    "ConfigError": "aiodeadlock.errors",
    "DeadlockError": "aiodeadlock.errors",
    "Detector": "aiodeadlock.detector",
    "Report": "aiodeadlock.model.report",
    "detect": "aiodeadlock.api",
    "install": "aiodeadlock.api",
    "ordered": "aiodeadlock.ordered",
    "run": "aiodeadlock.api",
    "snapshot": "aiodeadlock.api",
    "uninstall": "aiodeadlock.api",
}

__all__ = [
    "AiodeadlockError",
    "ConfigError",
    "DeadlockError",
    "Detector",
    "Report",
    "__version__",
    "detect",
    "install",
    "ordered",
    "run",
    "snapshot",
    "uninstall",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'aiodeadlock' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
