"""Run a function once, right after a module's first import (a one-shot import hook)."""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any


class _Loader(importlib.abc.Loader):
    """The module's own loader, then `then`."""

    def __init__(self, loader: Any, then: Callable[[], None]) -> None:
        self._loader = loader
        self._then = then

    def create_module(self, spec: Any) -> ModuleType | None:
        create = getattr(self._loader, "create_module", None)
        return None if create is None else create(spec)

    def exec_module(self, module: ModuleType) -> None:
        # The spec keeps this loader: make the module's __loader__ its real one again.
        self._loader.exec_module(module)
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        self._then()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class _Finder(importlib.abc.MetaPathFinder):
    def __init__(self, name: str, then: Callable[[], None]) -> None:
        self.name = name
        self.then = then

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        cancel(self)  # one shot: found or not, the next import is the interpreter's
        for finder in list(sys.meta_path):
            find = getattr(finder, "find_spec", None)
            spec = None if find is None else find(fullname, path, target)
            if spec is None:
                continue
            if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                spec.loader = _Loader(spec.loader, self.then)
            return spec
        return None


def after_import(name: str, then: Callable[[], None]) -> object:
    """Call `then()` right after top-level module `name` is first imported (at once if it
    already is); a handle for `cancel`. `then` must not raise."""
    if name in sys.modules:
        then()
        return None
    finder = _Finder(name, then)
    sys.meta_path.insert(0, finder)
    return finder


def cancel(handle: object) -> None:
    """Forget a pending `after_import`."""
    while handle is not None and handle in sys.meta_path:
        sys.meta_path.remove(handle)
