"""The files of a run: discovery, module names, and content hashes.

A file whose size and modification time are those the cache recorded keeps its recorded
content hash without being read again; any other file is read and hashed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from aiodeadlock.check.cache import content_hash
from aiodeadlock.check.discover import ModuleNamer, discover

Stamp = tuple[int, int]  # (size, mtime in ns)


@dataclass
class SourceFile:
    """One file to check."""

    display: str  # the path as reports show it
    module: str
    digest: str
    is_package: bool
    path: str  # absolute
    stamp: Stamp
    _data: bytes | None = None

    def data(self) -> bytes:
        """The file's bytes (read now if the hash came from the cache)."""
        if self._data is None:
            with open(self.path, "rb") as fh:
                self._data = fh.read()
        return self._data


def _display(path: str, cwd: str) -> str:
    """Path as shown in reports: relative to the working directory when inside it."""
    return path[len(cwd) :] if path.startswith(cwd) else path


def read_sources(
    paths: Sequence[Path],
    root: Path,
    exclude: Sequence[str],
    known: Callable[[str, Stamp], str | None],
    errors: list[str],
) -> list[SourceFile]:
    """Every Python file under `paths`, once, with its module name and content hash.

    `known(display, stamp)` returns the cached hash of an unchanged file, or None.
    """
    out: list[SourceFile] = []
    taken: set[str] = set()
    seen: set[str] = set()
    namer = ModuleNamer()
    cwd = os.path.join(os.getcwd(), "")
    for path in discover(paths, root, exclude):
        display = _display(path, cwd)
        if display in seen:
            continue
        seen.add(display)
        module, is_package = namer.name(path)
        if module in taken:
            module = f"{module}@{display}"
        taken.add(module)
        try:
            st = os.stat(path)
            stamp = (st.st_size, st.st_mtime_ns)
            digest = known(display, stamp)
            data = None
            if digest is None:
                with open(path, "rb") as fh:
                    data = fh.read()
                digest = content_hash(data)
        except OSError as exc:
            errors.append(f"cannot read {display}: {exc.strerror}")
            continue
        out.append(SourceFile(display, module, digest, is_package, path, stamp, data))
    return out
