"""A place in source code."""

from __future__ import annotations

import os
from dataclasses import dataclass


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


def display_path(path: str) -> str:
    """A path as short as it can be shown unambiguously."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if rel.startswith("..") else rel
