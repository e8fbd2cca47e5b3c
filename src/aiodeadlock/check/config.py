"""`[tool.aiodeadlock]` configuration from pyproject.toml, validated strictly."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiodeadlock.check.kinds import ALL_KINDS
from aiodeadlock.errors import ConfigError
from aiodeadlock.projectfile import find_pyproject

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

_CODE = re.compile(r"^(ALL|DL[0-9]{0,3})$")
_DOTTED = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+$")
KEYS = ("select", "ignore", "per-file-ignores", "lock-order", "lock-types", "exclude")


@dataclass
class Config:
    """Settings of one run (file values, then command-line overrides)."""

    root: Path
    source: Path | None = None
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    lock_order: list[str] = field(default_factory=list)
    lock_types: dict[str, str] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)


def _str_list(where: str, value: Any, pattern: re.Pattern[str] | None = None) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings")
    if pattern is not None:
        for v in value:
            if not pattern.match(v):
                raise ConfigError(f"{where}: {v!r} is not a rule code or prefix (e.g. 'DL203')")
    return list(value)


def codes_list(where: str, value: Any) -> list[str]:
    """Validate a list of code prefixes."""
    return _str_list(where, value, _CODE)


def parse_table(table: Any, root: Path, source: Path | None) -> Config:
    """Validate a `[tool.aiodeadlock]` table into a Config."""
    if not isinstance(table, dict):
        raise ConfigError("[tool.aiodeadlock] must be a table")
    cfg = Config(root=root, source=source)
    for key, value in table.items():
        where = f"[tool.aiodeadlock] {key}"
        if key == "run":  # [tool.aiodeadlock.run] configures `aiodeadlock run`, not the checker
            continue
        if key == "select":
            cfg.select = codes_list(where, value)
        elif key == "ignore":
            cfg.ignore = codes_list(where, value)
        elif key == "exclude":
            cfg.exclude = _str_list(where, value)
        elif key == "lock-order":
            cfg.lock_order = _str_list(where, value)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{where} must be a table of glob = [codes]")
            cfg.per_file_ignores = {g: codes_list(f"{where} {g!r}", v) for g, v in value.items()}
        elif key == "lock-types":
            cfg.lock_types = _lock_types(where, value)
        else:
            raise ConfigError(
                f"unknown key {key!r} in [tool.aiodeadlock] (known: {', '.join(KEYS)})"
            )
    return cfg


def _lock_types(where: str, value: Any) -> dict[str, str]:
    if isinstance(value, list):
        names = _str_list(where, value)
        value = dict.fromkeys(names, "asyncio.Lock")
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a list of dotted names or a table name = kind")
    out: dict[str, str] = {}
    for name, kind in value.items():
        if not _DOTTED.match(name):
            raise ConfigError(f"{where}: {name!r} is not a dotted name like 'mylib.FairLock'")
        if not isinstance(kind, str) or kind not in ALL_KINDS:
            raise ConfigError(
                f"{where}: kind of {name!r} must be a known kind such as 'asyncio.Lock', "
                f"'asyncio.Semaphore(1)' or 'threading.Lock'"
            )
        out[name] = kind
    return out


def load_config(start: Path) -> Config:
    """Load the configuration that applies to `start` (a directory or file)."""
    path = find_pyproject(start.resolve())
    if path is None:  # no project file: the working directory is the project
        return Config(root=Path.cwd().resolve())
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    try:
        tool = data.get("tool", {})
        if not isinstance(tool, dict):
            raise ConfigError("[tool] must be a table")
        return parse_table(tool.get("aiodeadlock", {}), path.parent, path)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
