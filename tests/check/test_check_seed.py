"""The shared seed programs get findings at the documented lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiodeadlock.check.config import Config
from aiodeadlock.check.engine import run_check
from aiodeadlock.check.findings import Finding

SEED = Path(__file__).resolve().parent / "../../../shared/examples/seed"

# seed file stem -> (code, lines that must appear as a primary or related location)
EXPECTED = {
    "s1_self_lock": ("DL203", {9}),
    "s2_self_lock_nested_call": ("DL203", {14, 7}),
    "s4_lock_order": ("DL204", {7, 10}),
    "s4b_lock_order_no_sleep": ("DL204", {6, 7}),
    "s5_orphaned_lock": ("DL201", {7}),
}


def _findings(path: Path) -> list[Finding]:
    result = run_check([path], Config(root=path.parent), use_cache=False)
    return result.findings


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_seed_program_flagged(stem: str) -> None:
    path = SEED / f"{stem}.py"
    if not path.is_file():
        pytest.skip("seed programs not available")
    code, lines = EXPECTED[stem]
    findings = [f for f in _findings(path) if f.code == code]
    assert findings, f"no {code} finding"
    covered = {f.at.line for f in findings} | {r.at.line for f in findings for r in f.related}
    assert lines <= covered


def test_seed_s2_reports_the_call_with_the_inner_acquire_related() -> None:
    path = SEED / "s2_self_lock_nested_call.py"
    if not path.is_file():
        pytest.skip("seed programs not available")
    (finding,) = [f for f in _findings(path) if f.code == "DL203"]
    assert finding.at.line == 14
    assert 7 in {r.at.line for r in finding.related}


def test_seed_s1_flags_line_9() -> None:
    path = SEED / "s1_self_lock.py"
    if not path.is_file():
        pytest.skip("seed programs not available")
    assert [f.at.line for f in _findings(path) if f.code == "DL203"] == [9]
