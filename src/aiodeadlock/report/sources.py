"""The source lines around each line a report names, read (with linecache) when it is drawn."""

from __future__ import annotations

import linecache
from collections.abc import Sequence
from dataclasses import dataclass

from aiodeadlock.model.location import Location

#: Lines shown before and after each named line.
CONTEXT = 2
#: Notes kept on one line; more are counted, not listed.
MAX_NOTES = 4


@dataclass(frozen=True)
class SourceLine:
    number: int
    text: str
    notes: tuple[str, ...] = ()  # what the report says happens here; empty for context lines


@dataclass(frozen=True)
class FileExcerpts:
    """The named lines of one file: runs of consecutive lines, or, when the file cannot be
    read, the named lines alone (`found` is False and every `text` is empty)."""

    file: str
    runs: tuple[tuple[SourceLine, ...], ...]
    found: bool


def excerpts(named: Sequence[tuple[Location, str]], context: int = CONTEXT) -> list[FileExcerpts]:
    """Each file's named lines with `context` lines around them, files in the order named."""
    notes_by_file: dict[str, dict[int, list[str]]] = {}
    for loc, note in named:
        notes = notes_by_file.setdefault(loc.file, {}).setdefault(loc.line, [])
        if note and note not in notes:
            notes.append(note)
    return [_file_excerpts(file, notes, context) for file, notes in notes_by_file.items()]


def source_line(location: Location) -> str:
    """The text of the line at `location`, stripped; "" when it cannot be read."""
    return linecache.getline(location.file, location.line).strip()


def _file_excerpts(file: str, notes: dict[int, list[str]], context: int) -> FileExcerpts:
    lines = linecache.getlines(file)
    named = sorted(notes)
    runs: tuple[tuple[SourceLine, ...], ...]
    if not lines:
        runs = tuple((SourceLine(n, "", _cap(notes[n])),) for n in named)
        return FileExcerpts(file, runs, False)
    windows: list[list[int]] = []
    for n in named:
        start, end = max(1, n - context), min(len(lines), n + context)
        if n > len(lines):
            start = end = n
        if windows and start <= windows[-1][1] + 1:
            windows[-1][1] = max(windows[-1][1], end)
        else:
            windows.append([start, end])
    runs = tuple(
        tuple(SourceLine(n, _line(lines, n), _cap(notes.get(n, []))) for n in range(start, end + 1))
        for start, end in windows
    )
    return FileExcerpts(file, runs, True)


def _line(lines: list[str], number: int) -> str:
    if number > len(lines):
        return ""
    return lines[number - 1].rstrip("\r\n").expandtabs(4)


def _cap(notes: list[str]) -> tuple[str, ...]:
    if len(notes) <= MAX_NOTES:
        return tuple(notes)
    return (*notes[: MAX_NOTES - 1], f"and {len(notes) - MAX_NOTES + 1} more")
