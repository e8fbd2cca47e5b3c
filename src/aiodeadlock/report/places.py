"""Short, unambiguous names for the source files of a finding (`jobs.py:12`, not a full path)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from aiodeadlock.model.findings import Finding
from aiodeadlock.model.location import Location


def short_names(files: Iterable[str]) -> dict[str, str]:
    """Each path as its shortest tail of path components that no other path ends with."""
    paths = list(dict.fromkeys(files))
    parts = {p: [c for c in p.replace("\\", "/").split("/") if c] or [p] for p in paths}
    names: dict[str, str] = {}
    for path in paths:
        mine = parts[path]
        for depth in range(1, len(mine) + 1):
            tail = mine[-depth:]
            if not any(o != path and parts[o][-depth:] == tail for o in paths):
                break
        names[path] = "/".join(tail) if depth < len(mine) else path
    return names


def finding_files(finding: Finding) -> list[str]:
    """Every file a finding names, in the order they first appear."""
    return list(dict.fromkeys(loc.file for loc in finding_locations(finding)))


def finding_locations(finding: Finding) -> list[Location]:
    """Every location a finding names (with repeats), the place it was caught first."""
    found: list[Location | None] = [finding.location]
    for e in finding.edges:
        found += [e.wait_at, e.since]
    for t in finding.tasks:
        found += [t.waits_at, *(h.since for h in t.holds), t.ended_at, *t.stack]
    found += [r.created_at for r in finding.resources]
    return [loc for loc in found if loc is not None]


def at(location: Location, names: Mapping[str, str]) -> str:
    """`name:line` of a location, with the file's short name."""
    return f"{names.get(location.file, location.file)}:{location.line}"
