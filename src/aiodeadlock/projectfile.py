"""Find the pyproject.toml that configures a path (for `check` and for `run`)."""

from __future__ import annotations

from pathlib import Path

from aiodeadlock.errors import ConfigError


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml in `start` (a folder, or a file's folder) or above it."""
    here = start if start.is_dir() else start.parent
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        try:
            if candidate.is_file():
                return candidate
        except OSError as exc:  # e.g. a folder we may not look into
            raise ConfigError(f"cannot read {candidate}: {exc.strerror or exc}") from None
    return None
