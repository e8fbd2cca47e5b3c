"""The watchdog on uvloop loops: loop-blocked and loop-busy however the loop is started,
and silence for busy, slow or yielding callbacks (a task's steps share one frame)."""

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

pytest.importorskip("uvloop")

TIMEOUT = 20.0
RUN = [sys.executable, "-m", "aiodeadlock", "run", "--loop-blocked", "0.3"]

#: A coroutine that blocks the loop's thread on a future only the loop can complete
#: (line 9), followed by how the program starts it.
BLOCKS = """\
import asyncio
import uvloop

async def work():
    return 42

async def main():
    loop = asyncio.get_running_loop()
    print(asyncio.run_coroutine_threadsafe(work(), loop).result())  # line 9: blocks

"""

STARTS = {
    "uvloop.run": "uvloop.run(main())\n",
    "install+asyncio.run": "uvloop.install()\nasyncio.run(main())\n",
    "policy": "asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())\nasyncio.run(main())\n",
    "new_event_loop": "loop = uvloop.new_event_loop()\nloop.run_until_complete(main())\n",
    "loop_factory": "asyncio.run(main(), loop_factory=uvloop.new_event_loop)\n",
}


def _run(
    tmp_path: Path, source: str, until_finding: bool, args: tuple[str, ...] = ()
) -> tuple[int | None, str, list[Any]]:
    """Run `source` under `aiodeadlock run` (JSON report): its exit status (None: killed at
    the first finding or at the timeout), stdout and findings."""
    (tmp_path / "prog.py").write_text(source, encoding="utf-8")
    out = tmp_path / "report.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIODEADLOCK")}
    env["PYTHONWARNINGS"] = "ignore::DeprecationWarning"  # policies, uvloop.install: 3.14+
    cmd = [*RUN, "--on-deadlock", "report", "--format", "json", "--output", str(out), *args]
    cmd.append("prog.py")
    proc = subprocess.Popen(
        cmd,
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def findings() -> list[Any]:
        text = out.read_text(encoding="utf-8") if out.exists() else ""
        return list(json.loads(text)["findings"]) if text.strip() else []

    deadline = time.monotonic() + TIMEOUT
    code: int | None = None
    try:
        while time.monotonic() < deadline:
            code = proc.poll()
            if code is not None or (until_finding and findings()):
                break
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        stdout, _ = proc.communicate(timeout=TIMEOUT)
    return code, stdout.decode(), findings()


@pytest.mark.parametrize("start", sorted(STARTS))
def test_loop_blocked_however_uvloop_is_started(tmp_path: Path, start: str) -> None:
    if start == "loop_factory" and sys.version_info < (3, 12):
        pytest.skip("asyncio.run(loop_factory=) needs Python 3.12")
    _, _, found = _run(tmp_path, BLOCKS + STARTS[start], until_finding=True)
    assert [(f["kind"], f["definite"]) for f in found] == [("loop-blocked", True)]
    assert found[0]["location"]["line"] == 9
    # the task's stack (the callback's frames), not the frames that started the loop
    stack = found[0]["tasks"][0]["stack"]
    assert [f["line"] for f in stack if f["file"].endswith("prog.py")] == [9]
    assert not any(f["file"].endswith("runners.py") for f in stack)


POLLS_FUTURE = """\
import asyncio
import uvloop

async def main():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    loop.call_later(0.1, fut.set_result, 1)
    while not fut.done():  # line 8: never yields, so the loop never runs the timer
        pass

uvloop.run(main())
"""


def test_loop_busy_on_uvloop(tmp_path: Path) -> None:
    _, _, found = _run(tmp_path, POLLS_FUTURE, until_finding=True)
    assert [(f["kind"], f["definite"]) for f in found] == [("loop-busy", False)]
    assert found[0]["location"]["line"] == 8
    assert "polling Future 'fut'" in found[0]["message"]


FINE = {
    # A task's steps all run in the coroutine's one frame: a task that polls but yields
    # between polls, each step long enough for the samples to land in it, is not busy.
    "polls-and-yields": """\
import asyncio
import time
import uvloop

async def main():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    loop.call_later(1.0, fut.set_result, 1)
    while not fut.done():
        end = time.perf_counter() + 0.02
        while time.perf_counter() < end:  # a slice of work in every step
            pass
        await asyncio.sleep(0)
    print("done")

uvloop.run(main())
""",
    "cpu-bound": """\
import asyncio
import uvloop

async def main():
    total = 0
    deadline = asyncio.get_running_loop().time() + 1.0
    while asyncio.get_running_loop().time() < deadline:  # slow, not waiting for anything
        total += 1
    print("done")

uvloop.run(main())
""",
    "thread-delivers": """\
import asyncio
import concurrent.futures
import threading
import uvloop

async def main():
    fut = concurrent.futures.Future()
    threading.Timer(1.0, fut.set_result, (1,)).start()
    fut.result()  # blocks the loop's thread, but a thread resolves it
    print("done")

uvloop.run(main())
""",
    "executor-and-thread-lock": """\
import asyncio
import threading
import time
import uvloop

async def main():
    await asyncio.get_running_loop().run_in_executor(None, time.sleep, 1.0)
    lock = threading.Lock()
    with lock:
        await asyncio.sleep(0.8)  # a threading.Lock held across an await, nobody else waits
    print("done")

uvloop.run(main())
""",
}


@pytest.mark.parametrize("name", sorted(FINE))
def test_busy_slow_or_yielding_uvloop_callbacks_are_not_reported(tmp_path: Path, name: str) -> None:
    code, stdout, found = _run(tmp_path, FINE[name], until_finding=False)
    assert (code, stdout, found) == (0, "done\n", [])


LONG_WAIT = """\
import asyncio
import uvloop

async def main():
    ready = asyncio.Event()
    asyncio.get_running_loop().call_later(0.8, ready.set)
    await ready.wait()  # line 7: waits 0.8 s
    print("done")

uvloop.run(main())
"""


def test_long_wait_on_uvloop(tmp_path: Path) -> None:
    args = ("--long-wait", "0.3")
    code, stdout, found = _run(tmp_path, LONG_WAIT, until_finding=False, args=args)
    assert (code, stdout) == (0, "done\n")
    assert [(f["kind"], f["definite"]) for f in found] == [("long-wait", False)]
    assert found[0]["location"]["line"] == 7


#: Detection turned on from inside a uvloop loop that is already running (line 6).
INSTALLED_INSIDE = """\
import asyncio, sys
import aiodeadlock, uvloop

async def main():
    loop = asyncio.get_running_loop()
    aiodeadlock.install(on_deadlock="exit", format="json", output=sys.argv[1], watchdog=0.3)
    {body}

uvloop.run(main())
"""

BODIES = {
    "loop-blocked": "asyncio.run_coroutine_threadsafe(asyncio.sleep(0), loop).result()",
    "wait-cycle": (
        "me = asyncio.current_task()\n"
        "    async def other():\n"
        "        await me\n"
        "    task = asyncio.create_task(other())\n"
        "    await asyncio.sleep(0.05)\n"
        "    await task"
    ),
}


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_uvloop_loop_running_before_install_is_watched(tmp_path: Path, kind: str) -> None:
    (tmp_path / "prog.py").write_text(INSTALLED_INSIDE.format(body=BODIES[kind]), encoding="utf-8")
    out = tmp_path / "report.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIODEADLOCK")}
    proc = subprocess.run(
        [sys.executable, "prog.py", str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 3, proc.stderr.decode()
    found = json.loads(out.read_text(encoding="utf-8"))["findings"]
    assert [(f["kind"], f["definite"]) for f in found] == [(kind, True)]
