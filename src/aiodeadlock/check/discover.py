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


def discover(paths: Sequence[Path], root: Path, exclude: Sequence[str]) -> Iterator[Path]:
    """Yield .py files under `paths` (files given explicitly are always included)."""
    for path in paths:
        if path.is_file():
            yield path
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            base = Path(dirpath)
            keep = []
            for d in sorted(dirnames):
                rel = relpath(base / d, root)
                if d in SKIP_DIRS or d.startswith(".") or _excluded(rel, d, exclude):
                    continue
                keep.append(d)
            dirnames[:] = keep
            for name in sorted(filenames):
                if name.endswith(".py") and not _excluded(
                    relpath(base / name, root), name, exclude
                ):
                    yield base / name


def relpath(path: Path, root: Path) -> str:
    """Return `path` relative to `root` with forward slashes (or absolute if outside)."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def module_name(path: Path) -> tuple[str, bool]:
    """Return (dotted module name, is_package) derived from package directories."""
    path = path.resolve()
    stem = path.stem
    is_package = stem == "__init__"
    parts: list[str] = [] if is_package else [stem]
    d = path.parent
    while (d / "__init__.py").is_file() and d.parent != d:
        parts.insert(0, d.name)
        d = d.parent
    return ".".join(parts) or stem, is_package
