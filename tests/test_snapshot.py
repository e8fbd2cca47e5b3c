"""snapshot(): the current wait-for graph as data, and the SIGUSR1 dump of `run`."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import aiodeadlock


def test_snapshot_shows_waits_holds_and_stacks(run_bounded: Any) -> None:
    async def holder(lock: asyncio.Lock, ev: asyncio.Event) -> None:
        async with lock:
            await ev.wait()

    async def main() -> dict[str, Any]:
        lock = asyncio.Lock()
        ev = asyncio.Event()
        task = asyncio.create_task(holder(lock, ev), name="holder")
        await asyncio.sleep(0.01)
        snap = aiodeadlock.snapshot()
        ev.set()
        await task
        return snap.to_json()

    with aiodeadlock.detect():
        data = run_bounded(main)
    tasks = {t["name"]: t for t in data["tasks"]}
    assert tasks["holder"]["state"] == "waiting"
    resources = {r["id"]: r for r in data["resources"]}
    assert resources[tasks["holder"]["waits_for"]]["type"] == "Event"
    (held,) = tasks["holder"]["holds"]
    assert resources[held["resource"]]["type"] == "Lock"
    assert resources[held["resource"]]["name"] == "lock"
    assert held["since"]["line"] > 0
    assert tasks["holder"]["stack"][-1]["function"].endswith("holder")


@pytest.mark.skipif(not hasattr(signal, "SIGUSR1"), reason="no SIGUSR1 here")
def test_run_dumps_tasks_on_sigusr1_and_goes_on(tmp_path: Path) -> None:
    script = tmp_path / "app.py"
    script.write_text(
        textwrap.dedent(
            """\
            import asyncio, os, signal

            async def holder(lock, ev):
                async with lock:
                    await ev.wait()

            async def main():
                lock = asyncio.Lock()
                ev = asyncio.Event()
                task = asyncio.create_task(holder(lock, ev))
                await asyncio.sleep(0.05)
                os.kill(os.getpid(), signal.SIGUSR1)
                await asyncio.sleep(0.05)
                ev.set()
                await task
                print("finished")

            asyncio.run(main())
            """
        )
    )
    proc = subprocess.run(
        [sys.executable, "-m", "aiodeadlock", "run", "--dump-on-sigusr1", str(script)],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "finished\n"
    assert "snapshot of 2 task(s)" in proc.stderr
    assert "holds Lock 'lock'" in proc.stderr
    assert "waits for Event 'ev'" in proc.stderr
