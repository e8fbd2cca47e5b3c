"""Run a function right after a module is imported (an import hook on `sys.meta_path`).

No base class from `importlib.abc`: importing it pulls in `importlib.resources`, `pathlib`
and `tempfile` on some versions (about 10 ms of start-up), and a finder or loader only
needs the methods the import system calls.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection
from types import ModuleType
from typing import Any

#: Called with the module's name and the module once it has run.
Then = Callable[[str, ModuleType], None]


class _Loader:
    """The module's own loader, then `then`."""

    def __init__(self, loader: Any, name: str, then: Then) -> None:
        self._loader = loader
        self._name = name
        self._then = then

    def create_module(self, spec: Any) -> ModuleType | None:
        create = getattr(self._loader, "create_module", None)
        return None if create is None else create(spec)

    def exec_module(self, module: ModuleType) -> None:
        # The spec names this loader: the module sees its real one while it runs.
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        self._then(self._name, module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class ImportWatch:
    """A finder that hands out the specs of `names` with a loader that calls `then` after
    the module ran (every import of them while installed; once only if `once`)."""

    def __init__(self, names: Collection[str], then: Then, once: bool = False) -> None:
        self.names = frozenset(names)
        self.then = then
        self.once = once

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname not in self.names:
            return None
        if self.once:
            stop_watching(self)  # found or not, the next import is the interpreter's
        for finder in list(sys.meta_path):
            find = None if finder is self else getattr(finder, "find_spec", None)
            spec = None if find is None else find(fullname, path, target)
            if spec is None:
                continue
            if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                spec.loader = _Loader(spec.loader, fullname, self.then)
            return spec
        return None


def watch_imports(watch: ImportWatch) -> None:
    """Put `watch` first on `sys.meta_path` (once)."""
    if watch not in sys.meta_path:
        sys.meta_path.insert(0, watch)


def stop_watching(watch: object) -> None:
    """Take `watch` off `sys.meta_path`."""
    while watch is not None and watch in sys.meta_path:
        sys.meta_path.remove(watch)


def after_import(name: str, then: Callable[[], None]) -> object:
    """Call `then()` right after top-level module `name` is first imported (at once if it
    already is); a handle for `cancel`. `then` must not raise."""
    if name in sys.modules:
        then()
        return None
    watch = ImportWatch((name,), lambda _name, _module: then(), once=True)
    watch_imports(watch)
    return watch


def cancel(handle: object) -> None:
    """Forget a pending `after_import`."""
    stop_watching(handle)
