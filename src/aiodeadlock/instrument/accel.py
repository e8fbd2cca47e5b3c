"""Which build of the hot paths is in use: the optional C fast paths, or pure Python."""

from __future__ import annotations

import os
from types import ModuleType

#: Set to anything but "" or "0", the C fast paths are not used (nor built, by setup.py).
NO_EXTENSIONS = "AIODEADLOCK_NO_EXTENSIONS"


def disabled() -> bool:
    """True if the environment asks for the pure-Python build."""
    return os.environ.get(NO_EXTENSIONS, "") not in ("", "0")


def load() -> ModuleType | None:
    """The C fast paths module, or None (not wanted, or not built for this interpreter)."""
    if disabled():
        return None
    try:
        from aiodeadlock.instrument import _fastpaths
    except ImportError:
        return None
    return _fastpaths


def describe() -> str:
    """Which build this interpreter uses, for `aiodeadlock --version`."""
    if disabled():
        return f"pure Python ({NO_EXTENSIONS} is set)"
    if load() is None:
        return "pure Python (the C fast paths are not built for this interpreter)"
    return "C fast paths"
