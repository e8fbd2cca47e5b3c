"""`[tool.aiodeadlock.run]` in pyproject.toml: defaults for `aiodeadlock run` options."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from aiodeadlock.session import FORMATS, ON_DEADLOCK

#: key -> (type, allowed values or None)
KEYS: dict[str, tuple[type, tuple[str, ...] | None]] = {
    "format": (str, FORMATS),
    "output": (str, None),
    "on-deadlock": (str, ON_DEADLOCK),
    "grace": (float, None),
    "strict": (bool, None),
    "dump-on-sigusr1": (bool, None),
    "loop-blocked": (float, None),
    "no-watchdog": (bool, None),
    "long-wait": (float, None),
}


class ConfigError(Exception):
    """A bad configuration file or value (one line, exit status 2)."""


def find_pyproject(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        try:
            if candidate.is_file():
                return candidate
        except OSError as exc:  # e.g. a folder we may not look into
            raise ConfigError(f"cannot read {candidate}: {exc.strerror or exc}") from None
    return None


def _table(data: Any, *keys: str) -> Any:
    """`data[k1][k2]...`, {} where a key is missing; a non-table on the way is an error."""
    for depth, key in enumerate(keys):
        if not isinstance(data, dict):
            raise ConfigError(f"[{'.'.join(keys[:depth])}] must be a table")
        data = data.get(key, {})
    return data


def load(start: Path) -> dict[str, Any]:
    """The validated `[tool.aiodeadlock.run]` table of the nearest pyproject.toml."""
    path = find_pyproject(start.resolve())
    if path is None:
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - 3.10 only
        try:
            import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            raise ConfigError(f"cannot read {path}: install 'tomli' on Python 3.10") from None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    try:
        table = _table(data, "tool", "aiodeadlock", "run")
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.aiodeadlock.run] must be a table")
    values: dict[str, Any] = {}
    for key, value in table.items():
        where = f"{path}: [tool.aiodeadlock.run] {key}"
        if key not in KEYS:
            raise ConfigError(f"{where}: unknown key (known: {', '.join(KEYS)})")
        kind, allowed = KEYS[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value) if abs(value) < 2**1023 else float("inf")
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise ConfigError(f"{where}: expected a {kind.__name__}, got {value!r}")
        if isinstance(value, float) and not 0 < value < float("inf"):
            raise ConfigError(f"{where}: expected a positive number of seconds, got {value!r}")
        if allowed is not None and value not in allowed:
            raise ConfigError(f"{where}: {value!r} is not one of {', '.join(allowed)}")
        values[key.replace("-", "_")] = value
    return values
