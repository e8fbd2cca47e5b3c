"""Find the Python files to check and the module name of each."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

SKIP_DIRS = frozenset(
    {".venv", "venv", "build", "dist", ".git", "node_modules", "__pycache__", ".tox", ".nox"}
)


def _excluded(rel: str, name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(name, p) for p in patterns)


def discover(paths: Sequence[Path], root: Path, exclude: Sequence[str]) -> Iterator[str]:
    """Yield absolute paths of .py files under `paths` (explicit files are always included)."""
    base_root = str(root)
    for path in paths:
        top = os.path.abspath(path)
        if os.path.isfile(top):
            yield top
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            keep = []
            for d in sorted(dirnames):
                if d in SKIP_DIRS or d.startswith("."):
                    continue
                if exclude and _excluded(relpath(os.path.join(dirpath, d), base_root), d, exclude):
                    continue
                keep.append(d)
            dirnames[:] = keep
            for name in sorted(filenames):
                if not name.endswith(".py"):
                    continue
                full = os.path.join(dirpath, name)
                if exclude and _excluded(relpath(full, base_root), name, exclude):
                    continue
                yield full


def relpath(path: str, root: str) -> str:
    """Return absolute `path` relative to `root` with forward slashes (or itself if outside)."""
    if path == root or path.startswith(root.rstrip(os.sep) + os.sep):
        return os.path.relpath(path, root).replace(os.sep, "/")
    return path.replace(os.sep, "/")


class ModuleNamer:
    """Derive dotted module names from package directories (memoised per directory)."""

    def __init__(self) -> None:
        self._package: dict[str, str | None] = {}

    def _package_of(self, directory: str) -> str | None:
        """Dotted package name of `directory`, or None if it is not a package."""
        if directory in self._package:
            return self._package[directory]
        result: str | None = None
        if os.path.isfile(os.path.join(directory, "__init__.py")):
            parent = os.path.dirname(directory)
            name = os.path.basename(directory)
            outer = self._package_of(parent) if parent != directory else None
            result = f"{outer}.{name}" if outer else name
        self._package[directory] = result
        return result

    def name(self, path: str) -> tuple[str, bool]:
        """Return (dotted module name, is_package) for an absolute file path."""
        directory, filename = os.path.split(path)
        stem = filename[:-3] if filename.endswith(".py") else filename
        package = self._package_of(directory)
        if stem == "__init__":
            return package or stem, True
        return (f"{package}.{stem}" if package else stem), False
