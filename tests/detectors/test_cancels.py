"""cancel-ignored (DL108): the decision over recorded cancels, and the scenarios end to end."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from report_schema import assert_valid_report

import aiodeadlock
from aiodeadlock.detectors import scan
from aiodeadlock.detectors.cancels import SHUTDOWN, cancel_ignored, ignored, stall_note
from aiodeadlock.model.findings import CANCEL_IGNORED, Finding
from aiodeadlock.model.location import Location

FILE = "/srv/app.py"
REQUESTED, CAUGHT, NOW = (
    Location(FILE, 21, "main"),
    Location(FILE, 13, "worker"),
    Location(FILE, 11, "worker"),
)
SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios" / "cancels"


@dataclass(frozen=True)
class Waiter:
    key: str
    name: str
    at: Location | None
    stack: tuple[Location, ...] = ()


@dataclass(frozen=True)
class Pending:
    key: str = "T1"
    name: str = "worker"
    pending_for: float = 2.0
    requested_at: Location | None = REQUESTED
    requested_by: str | None = "task 'main'"
    via: str | None = None
    caught_at: Location | None = CAUGHT
    handling: bool = False
    waits_at: Location | None = NOW
    stack: tuple[Location, ...] = (NOW,)
    awaiters: tuple[Waiter, ...] = field(
        default=(Waiter("T2", "main", Location(FILE, 22, "main")),)
    )


def test_only_tasks_that_are_waited_for_and_not_cleaning_up() -> None:
    waited = Pending()
    alone = Pending(key="T3", awaiters=())
    cleaning = Pending(key="T4", handling=True)
    assert ignored([waited, alone, cleaning]) == [waited]


def test_finding_names_who_cancelled_where_it_was_caught_and_who_waits() -> None:
    finding = cancel_ignored(Pending(), grace=1.0)
    assert finding.kind is CANCEL_IGNORED and finding.potential and not finding.definite
    assert finding.message == (
        "Task 'worker' was cancelled by task 'main' at /srv/app.py:21 more than 1s ago and "
        "has not ended; it caught the CancelledError at /srv/app.py:13 and went on; "
        "task 'main' waits for it at /srv/app.py:22"
    )
    assert finding.location == Location(FILE, 13, "worker")
    assert [(e.waiter, e.holder, e.relation) for e in finding.edges] == [("T2", "T1", "finishes")]
    assert set(finding.lines()) == {11, 13, 21, 22}
    task = finding.task("T1")
    assert task is not None and task.cancelled_by == "task 'main'"
    again = Finding.from_json(json.loads(json.dumps(finding.to_json())), "f")
    assert again.task("T1") == task and again.kind is CANCEL_IGNORED and not again.definite


def test_shutdown_as_the_waiter_and_unknown_sites() -> None:
    p = Pending(
        requested_at=None,
        requested_by=None,
        caught_at=None,
        awaiters=(Waiter(SHUTDOWN, "asyncio.run's shutdown", Location(FILE, 30)),),
    )
    finding = cancel_ignored(p, grace=0.5)
    assert finding.message.endswith("asyncio.run's shutdown waits for it")
    assert "more than 0.5s ago" in finding.message
    assert finding.location == Location(FILE, 11, "worker")  # where it is now
    assert finding.notes  # (sites are recorded on 3.12+ only)
    assert stall_note(p) == "task 'worker' was cancelled and did not end"


def test_text_report_of_a_cancel_ignored_finding() -> None:
    from aiodeadlock.report.text import render_finding

    text = render_finding(cancel_ignored(Pending(), grace=1.0))
    assert text.startswith("aiodeadlock: potential deadlock: cancel-ignored (DL108)\n")
    assert "Task 'main' waits at /srv/app.py:22 for task 'worker' to finish" in text
    shutdown = Pending(awaiters=(Waiter(SHUTDOWN, "asyncio.run's shutdown", Location(FILE, 30)),))
    text = render_finding(cancel_ignored(shutdown, grace=1.0))
    assert "asyncio.run's shutdown waits at /srv/app.py:30 for task 'worker'" in text


# -- end to end --------------------------------------------------------------------------


def _header(path: Path) -> dict[str, Any]:
    """expect, requires and the cancel-ignored lines of a scenario's header."""
    out: dict[str, Any] = {"lines": None, "requires": (), "expect": None}
    out.update({"cancelled-at": None, "caught-at": None})
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.startswith("#"):
            break
        key, _, value = raw[1:].strip().partition(":")
        value = value.strip()
        if key == "potential" and value.startswith("cancel-ignored"):
            out["lines"] = [int(n) for n in value.partition("lines=")[2].split(",") if n]
        elif key == "requires":
            out["requires"] = tuple(int(n) for n in value.split("."))
        elif key == "expect":
            out["expect"] = value.split()[0]
        elif key in ("cancelled-at", "caught-at"):
            out[key] = int(value)
    return out


def _run(path: Path) -> tuple[int | None, dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="adl-cancel-") as tmp:
        out = Path(tmp) / "report.json"
        cmd = [sys.executable, "-m", "aiodeadlock", "run", "--format", "json", "--strict"]
        cmd += ["--output", str(out), str(path)]
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        try:
            proc = subprocess.run(
                cmd, cwd=tmp, env=env, capture_output=True, timeout=20, stdin=subprocess.DEVNULL
            )
            status: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            status = None
        report = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    return status, report


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.py")), ids=lambda p: p.name)
def test_cancel_scenario_under_strict(path: Path) -> None:
    """Each scenario that allows a cancel-ignored finding must get one naming its lines
    (3.11+, where uncancel() is counted), and --strict fails the run for it; the others
    must have none and succeed."""
    head = _header(path)
    if head["requires"] and sys.version_info[: len(head["requires"])] < head["requires"]:
        pytest.skip("needs a newer Python")
    status, report = _run(path)
    assert report, f"no report (exit status {status})"
    assert_valid_report(report)
    found = [f for f in report["findings"] if f["code"] == "DL108"]
    assert all(not f["definite"] for f in found)
    if head["lines"] is None:
        assert not found, json.dumps(found, indent=1)
        assert status == 0
        return
    if sys.version_info < (3, 11):
        assert not found  # no uncancel() count to read: never reported
        return
    assert len(found) == 1, json.dumps(report, indent=1)
    assert status == 3  # --strict, or the definite finding next to it
    lines = set(Finding.from_json(found[0], "f").lines())
    assert set(head["lines"]) <= lines, (head["lines"], sorted(lines))
    task = found[0]["tasks"][0]
    if sys.version_info >= (3, 12):  # who cancelled it, where, and where it was caught
        assert task["cancelled_by"], task
        for key in ("cancelled-at", "caught-at"):
            if head[key] is not None:
                where = task[key.replace("-", "_")]
                assert Path(where["file"]).name == path.name, where
                assert where["line"] == head[key], (key, where)


@pytest.mark.aiodeadlock(enabled=False)  # installs its own detector
@pytest.mark.skipif(sys.version_info < (3, 12), reason="cancel requests are recorded on 3.12+")
def test_a_swallowed_cancel_is_read_a_grace_period_after_the_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The check does not wait for the next full scan of the loop (paced by their cost,
    a second or more on a loaded machine), which may come after the task has ended."""
    monkeypatch.setattr(scan, "MIN_PERIOD", 60.0)  # one full scan, at the start

    async def worker() -> None:
        for _ in range(40):
            try:
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                pass

    async def main() -> None:
        task = asyncio.create_task(worker(), name="swallower")
        await asyncio.sleep(0.02)
        task.cancel()
        await task

    with aiodeadlock.detect(on_deadlock="report", grace=0.05) as detector:
        asyncio.run(asyncio.wait_for(main(), 10))
    found = [f for f in detector.findings if f.kind is CANCEL_IGNORED]
    assert len(found) == 1 and not found[0].definite, detector.findings
    assert found[0].tasks[0].name == "swallower"
