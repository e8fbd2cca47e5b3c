"""loop-busy (DL109): a callback that polls, without yielding, what only its loop can
deliver keeps the loop's thread forever; a busy callback that polls nothing of the loop's
is left alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

TIMEOUT = 20.0
RUN = [sys.executable, "-m", "aiodeadlock", "run", "--loop-blocked", "0.3"]

POLLS_FUTURE = """
import asyncio

async def main():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    loop.call_later(0.1, fut.set_result, 1)
    while not fut.done():  # line 8: never yields, so the loop never runs the timer
        pass  # a sample of the stack may land here: the report still names the poll

asyncio.run(main())
"""

POLLS_EVENT_WITH_SLEEP = """
import asyncio
import time

async def setter(ready):
    ready.set()

async def main():
    ready = asyncio.Event()
    asyncio.get_running_loop().call_soon(asyncio.ensure_future, setter(ready))
    while not ready.is_set():  # line 11: the poll; the sleep below is in the loop's thread
        time.sleep(0.01)

asyncio.run(main())
"""


def _finding(tmp_path: Path, source: str) -> dict[str, object]:
    """Run `source` until its report has a finding (then kill it); the finding."""
    (tmp_path / "prog.py").write_text(source, encoding="utf-8")
    report = tmp_path / "report.json"
    cmd = [*RUN, "--format", "json", "--output", str(report), "prog.py"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            text = report.read_text(encoding="utf-8") if report.exists() else ""
            findings = json.loads(text)["findings"] if text.strip() else []
            if findings:
                return findings[0]  # type: ignore[no-any-return]
            time.sleep(0.1)
        pytest.fail(f"no finding within {TIMEOUT}s")
    finally:
        proc.kill()
        proc.wait(timeout=TIMEOUT)


@pytest.mark.parametrize(
    ("source", "line", "polled"),
    [(POLLS_FUTURE, 8, "Future 'fut'"), (POLLS_EVENT_WITH_SLEEP, 11, "Event 'ready'")],
    ids=["future-done", "event-is-set"],
)
def test_a_callback_polling_its_own_loop_is_reported(
    tmp_path: Path, source: str, line: int, polled: str
) -> None:
    finding = _finding(tmp_path, source)
    assert (finding["kind"], finding["definite"]) == ("loop-busy", False)
    assert finding["location"]["line"] == line  # type: ignore[index]
    assert f"polling {polled}" in str(finding["message"])


BUSY_BUT_FINE = {
    "cpu-bound": """
import asyncio

async def main():
    total = 0
    deadline = asyncio.get_running_loop().time() + 1.0
    while asyncio.get_running_loop().time() < deadline:  # slow, not waiting for anything
        total += 1
    print("done")

asyncio.run(main())
""",
    "thread-future": """
import asyncio, concurrent.futures, threading, time

async def main():
    fut = concurrent.futures.Future()
    threading.Timer(1.0, fut.set_result, (1,)).start()
    while not fut.done():  # a thread resolves it: no need of the loop
        pass
    print("done")

asyncio.run(main())
""",
    "other-loops-future": """
import asyncio, threading

other = asyncio.new_event_loop()
threading.Thread(target=other.run_forever, daemon=True).start()

async def make():
    fut = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().call_later(1.0, fut.set_result, 1)
    return fut

async def main():
    fut = asyncio.run_coroutine_threadsafe(make(), other).result()
    while not fut.done():  # another loop, in another thread, completes it
        pass
    print("done")

asyncio.run(main())
""",
}


@pytest.mark.parametrize("name", sorted(BUSY_BUT_FINE))
def test_a_busy_callback_that_polls_nothing_of_its_loop_is_not_reported(
    tmp_path: Path, name: str
) -> None:
    (tmp_path / "prog.py").write_text(BUSY_BUT_FINE[name], encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIODEADLOCK")}
    proc = subprocess.run(
        [*RUN, "prog.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "done\n", "")


def test_the_poll_line_does_not_depend_on_where_the_sample_landed() -> None:
    from aiodeadlock.instrument.threadwaits import _call_line

    source = "def f(fut, other):\n    x = other.done()\n    while not fut.done():\n        pass\n"
    namespace: dict[str, object] = {}
    exec(compile(source, "poll.py", "exec"), namespace)
    code = namespace["f"].__code__  # type: ignore[attr-defined]
    assert _call_line(code, "fut", "done", near=4) == 3  # sampled on `pass`
    assert _call_line(code, "fut", "done", near=3) == 3
    assert _call_line(code, "fut", "done", near=1) == 3  # before any: the first call
    assert _call_line(code, "other", "done", near=4) == 2
    assert _call_line(code, "fut", "cancelled", near=4) is None
