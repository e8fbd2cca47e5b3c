"""Every rule fixture: the flagged lines are exactly the `# error:` annotated ones.

A fixture is a file, or a package directory checked as one tree (cross-module fixtures).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aiodeadlock.check.config import Config
from aiodeadlock.check.engine import run_check

FIXTURES = Path(__file__).parent / "fixtures"
_ERROR = re.compile(r"#\s*error:\s*(DL\d+(?:\s*,\s*DL\d+)*)")

Flag = tuple[str, int, str]


def _files(path: Path) -> list[Path]:
    return sorted(path.rglob("*.py")) if path.is_dir() else [path]


def expected(path: Path) -> set[Flag]:
    """(file name, line, code) triples annotated in a fixture."""
    out: set[Flag] = set()
    for file in _files(path):
        for number, line in enumerate(file.read_text().splitlines(), 1):
            m = _ERROR.search(line)
            if m:
                out.update((file.name, number, c.strip()) for c in m.group(1).split(","))
    return out


def flagged(path: Path, select: list[str] | None = None) -> set[Flag]:
    """(file name, line, code) triples the checker reports for one fixture."""
    config = Config(root=FIXTURES, select=select)
    result = run_check([path], config, use_cache=False)
    assert not result.internal_errors
    return {(Path(f.at.path).name, f.at.line, f.code) for f in result.findings}


FIXTURE_PATHS = sorted(
    [*FIXTURES.glob("*.py"), *(d for d in FIXTURES.iterdir() if d.is_dir() and d.name[0].isalpha())]
)


@pytest.mark.parametrize("path", FIXTURE_PATHS, ids=lambda p: p.stem)
def test_fixture(path: Path) -> None:
    select = ["DL2", "DL213"] if path.stem.startswith("dl213") else None
    assert sorted(flagged(path, select)) == sorted(expected(path))


def test_fixed_twins_exist_and_are_silent() -> None:
    twins = sorted(FIXTURES.glob("*_fixed.py"))
    assert len(twins) >= 6
    for twin in twins:
        assert not expected(twin), twin.name
        assert not flagged(twin), twin.name
