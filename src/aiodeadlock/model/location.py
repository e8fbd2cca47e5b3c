"""A place in source code."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiodeadlock.model import jsondata


@dataclass(frozen=True)
class Location:
    """A source location: `file` as the program saw it, 1-based `line`, `function` if known."""

    file: str
    line: int
    function: str | None = None

    def short(self) -> str:
        """`file:line` with the file relative to the working directory when it is below it."""
        return f"{display_path(self.file)}:{self.line}"

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"file": self.file, "line": self.line}
        if self.function is not None:
            data["function"] = self.function
        return data

    @classmethod
    def from_json(cls, value: Any, where: str) -> Location:
        data = jsondata.obj(value, where)
        line = jsondata.integer(data, "line", where)
        if line < 1:
            raise jsondata.BadReportData(f"{where}.line: expected a line number >= 1, got {line}")
        return cls(
            jsondata.text(data, "file", where), line, jsondata.opt_text(data, "function", where)
        )

    @classmethod
    def maybe_from_json(cls, data: Mapping[str, Any], key: str, where: str) -> Location | None:
        """The location under `key`, or None when it is missing or null."""
        value = data.get(key)
        return None if value is None else cls.from_json(value, f"{where}.{key}")


def display_path(path: str) -> str:
    """A path as short as it can be shown unambiguously."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if rel.startswith("..") else rel
