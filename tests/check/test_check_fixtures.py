"""Every rule fixture: the flagged lines are exactly the `# error:` annotated ones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aiodeadlock.check.config import Config
from aiodeadlock.check.engine import run_check

FIXTURES = Path(__file__).parent / "fixtures"
_ERROR = re.compile(r"#\s*error:\s*(DL\d+(?:\s*,\s*DL\d+)*)")


def expected(path: Path) -> set[tuple[int, str]]:
    """(line, code) pairs annotated in a fixture."""
    out: set[tuple[int, str]] = set()
    for number, line in enumerate(path.read_text().splitlines(), 1):
        m = _ERROR.search(line)
        if m:
            out.update((number, c.strip()) for c in m.group(1).split(","))
    return out


def flagged(path: Path, select: list[str] | None = None) -> set[tuple[int, str]]:
    """(line, code) pairs the checker reports for one fixture file."""
    config = Config(root=path.parent, select=select)
    result = run_check([path], config, use_cache=False)
    assert not result.internal_errors
    return {(f.at.line, f.code) for f in result.findings}


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.py")), ids=lambda p: p.stem)
def test_fixture(path: Path) -> None:
    select = ["DL2", "DL213"] if path.stem.startswith("dl213") else None
    assert sorted(flagged(path, select)) == sorted(expected(path))
