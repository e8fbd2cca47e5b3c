"""The finding type every rule produces and every renderer consumes."""

from __future__ import annotations

from typing import NamedTuple

from aiodeadlock.check.summary import Loc, Related


class Finding(NamedTuple):
    """One reported hazard: code, primary location, message, related locations."""

    code: str
    at: Loc
    message: str
    related: tuple[Related, ...] = ()

    def sort_key(self) -> tuple[str, int, int, str]:
        """Order by file, line, column, code."""
        return (self.at.path, self.at.line, self.at.col, self.code)


def where(at: Loc, base: Loc) -> str:
    """Describe `at` briefly relative to `base`: `line N` in the same file, else `path:N`."""
    return f"line {at.line}" if at.path == base.path else f"{at.path}:{at.line}"
