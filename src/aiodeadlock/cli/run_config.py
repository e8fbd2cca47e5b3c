"""`[tool.aiodeadlock.run]` in pyproject.toml: defaults for `aiodeadlock run` options."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from aiodeadlock.config import OPTIONS_BY_NAME
from aiodeadlock.errors import ConfigError
from aiodeadlock.projectfile import find_pyproject

__all__ = ["ConfigError", "find_pyproject", "load"]


def _table(data: Any, *keys: str) -> Any:
    """`data[k1][k2]...`, {} where a key is missing; a non-table on the way is an error."""
    for depth, key in enumerate(keys):
        if not isinstance(data, dict):
            raise ConfigError(f"[{'.'.join(keys[:depth])}] must be a table")
        data = data.get(key, {})
    return data


def _parse(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - 3.10 only
        try:
            import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            if "aiodeadlock" not in text:
                return {}  # no table of ours: nothing to read, no parser needed
            raise ConfigError(f"cannot read {path}: install 'tomli' on Python 3.10") from None
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return data


def load(start: Path) -> dict[str, Any]:
    """The validated `[tool.aiodeadlock.run]` table of the nearest pyproject.toml, by
    option attribute name (`loop_blocked`, not `loop-blocked`)."""
    path = find_pyproject(start.resolve())
    if path is None:
        return {}
    data = _parse(path)
    try:
        table = _table(data, "tool", "aiodeadlock", "run")
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.aiodeadlock.run] must be a table")
    values: dict[str, Any] = {}
    for key, value in table.items():
        option = OPTIONS_BY_NAME.get(key)
        where = f"{path}: [tool.aiodeadlock.run] {key}"
        if option is None:
            raise ConfigError(f"{where}: unknown key (known: {', '.join(OPTIONS_BY_NAME)})")
        values[option.attr] = option.check(value, where)
    return values
