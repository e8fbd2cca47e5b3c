"""The watchdog end to end: `aiodeadlock run` in a subprocess, short real thresholds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

SCENARIOS = Path(__file__).parent.parent / "scenarios"
RCT = SCENARIOS / "positive" / "loop_blocked_run_coroutine_threadsafe.py"

EVENT_WAIT = """\
import asyncio

async def main():
    ready = asyncio.Event()
    asyncio.get_running_loop().call_later(0.8, ready.set)
    await ready.wait()  # waits 0.8 s
    print("ok")

asyncio.run(main())
"""


def run(args: list[str], cwd: Path, timeout: float = 10.0) -> tuple[int | None, str, float]:
    """Run `aiodeadlock run ARGS`; (exit status or None if killed at `timeout`, stderr, secs)."""
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "aiodeadlock", "run", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _, err = proc.communicate(timeout=timeout)
        return proc.returncode, err.decode(), time.monotonic() - start
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
        return None, err.decode(), time.monotonic() - start


def report(path: Path) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = json.loads(path.read_text())["findings"]
    return findings


def test_short_threshold_exits_3_soon(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    args = ["--loop-blocked", "0.3", "--format", "json", "--output", str(out), str(RCT)]
    code, err, secs = run(args, tmp_path)
    assert code == 3, err
    assert secs < 0.3 + 1.0 + 1.5  # threshold + 1 s, plus interpreter start-up
    (finding,) = report(out)
    assert finding["kind"] == "loop-blocked" and finding["code"] == "DL106"
    assert finding["definite"] and finding["location"]["line"] == 16


def test_no_watchdog_leaves_the_program_blocked(tmp_path: Path) -> None:
    code, err, _ = run(["--no-watchdog", str(RCT)], tmp_path, timeout=2.5)
    assert code is None, err
    assert "loop-blocked" not in err


def test_report_mode_writes_once_and_lets_it_hang(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    args = ["--loop-blocked", "0.2", "--on-deadlock", "report", "--format", "json"]
    code, err, _ = run([*args, "--output", str(out), str(RCT)], tmp_path, timeout=2.5)
    assert code is None, err
    assert [f["kind"] for f in report(out)] == ["loop-blocked"]


def test_raise_mode_ends_the_run_too(tmp_path: Path) -> None:
    code, err, _ = run(["--loop-blocked", "0.2", "--on-deadlock", "raise", str(RCT)], tmp_path)
    assert code == 3
    assert err.count("deadlock detected: loop-blocked (DL106)") == 1


def test_long_wait_is_reported_once_and_never_fatal(tmp_path: Path) -> None:
    script = tmp_path / "app.py"
    script.write_text(EVENT_WAIT)
    out = tmp_path / "r.json"
    args = ["--long-wait", "0.3", "--strict", "--format", "json", "--output", str(out)]
    code, err, _ = run([*args, str(script)], tmp_path)
    assert code == 0, err
    (finding,) = report(out)
    assert finding["kind"] == "long-wait" and finding["code"] == "DL107"
    assert not finding["definite"]
    assert finding["location"]["line"] == 6
    assert finding["tasks"][0]["stack"][-1]["line"] == 6


COUNTS_WAKEUPS = """\
import asyncio, selectors

class Counting(selectors.DefaultSelector):
    calls = 0
    def select(self, timeout=None):
        Counting.calls += 1
        return super().select(timeout)

async def main():
    ready = asyncio.Event()
    asyncio.get_running_loop().call_later(1.5, ready.set)
    await ready.wait()  # line 12: one sleep of 1.5 s, unless someone wakes the loop
    print("select() calls:", Counting.calls)

loop = asyncio.SelectorEventLoop(Counting())
loop.run_until_complete(main())
loop.close()
"""

BUSY_LOOP_WAIT = """\
import asyncio

async def spin():
    while True:
        await asyncio.sleep(0)  # keeps the loop busy: it never sleeps in select()

async def main():
    spinner = asyncio.create_task(spin())
    ready = asyncio.Event()
    asyncio.get_running_loop().call_later(1.2, ready.set)
    await ready.wait()  # line 11
    spinner.cancel()
    print("ok")

asyncio.run(main())
"""


def test_long_waits_are_read_without_waking_the_loop(tmp_path: Path) -> None:
    script = tmp_path / "app.py"
    script.write_text(COUNTS_WAKEUPS)
    out = tmp_path / "r.json"
    args = ["--long-wait", "0.2", "--format", "json", "--output", str(out), str(script)]
    proc = subprocess.run(
        [sys.executable, "-m", "aiodeadlock", "run", *args],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert proc.returncode == 0, proc.stderr
    calls = int(proc.stdout.split("select() calls:")[1])
    # Plain python: a handful (start-up, the timer). A scan scheduled with
    # call_soon_threadsafe every long_wait/4 would wake it some 30 times.
    assert calls <= 6, calls
    (finding,) = report(out)
    assert (finding["kind"], finding["location"]["line"]) == ("long-wait", 12)


def test_a_loop_that_never_sleeps_scans_its_long_waits_itself(tmp_path: Path) -> None:
    script = tmp_path / "app.py"
    script.write_text(BUSY_LOOP_WAIT)
    out = tmp_path / "r.json"
    args = ["--long-wait", "0.3", "--format", "json", "--output", str(out), str(script)]
    code, err, _ = run(args, tmp_path, timeout=20)
    assert code == 0, err
    (finding,) = report(out)
    assert (finding["kind"], finding["location"]["line"]) == ("long-wait", 11)


def test_without_long_wait_nothing_is_reported(tmp_path: Path) -> None:
    script = tmp_path / "app.py"
    script.write_text(EVENT_WAIT)
    out = tmp_path / "r.json"
    code, err, _ = run(["--format", "json", "--output", str(out), str(script)], tmp_path)
    assert code == 0, err
    assert report(out) == []


@pytest.mark.parametrize(
    "args",
    [["--loop-blocked", "0"], ["--loop-blocked", "soon"], ["--long-wait", "-1"]],
)
def test_bad_seconds_are_usage_errors(tmp_path: Path, args: list[str]) -> None:
    code, err, _ = run([*args, str(RCT)], tmp_path)
    assert code == 2
    assert err.startswith("aiodeadlock run: error: option --") and err.count("\n") == 1


def test_pyproject_defaults(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.aiodeadlock.run]\nno-watchdog = true\nlong-wait = 1\n"
    )
    code, err, _ = run([str(RCT)], tmp_path, timeout=2.5)
    assert code is None, err
