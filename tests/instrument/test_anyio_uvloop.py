"""anyio and uvloop support: patched only while detecting, never imported unasked, and a
stall on uvloop reported at most as a potential finding."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import aiodeadlock.detector as detector_module
from aiodeadlock.config import Config


def _run(tmp_path: Path, source: str, timeout: float) -> tuple[int | None, bytes, dict]:
    program = tmp_path / "prog.py"
    program.write_text(source, encoding="utf-8")
    out = tmp_path / "report.json"
    cmd = [sys.executable, "-m", "aiodeadlock", "run", "--format", "json", "--output", str(out)]
    proc = subprocess.Popen(
        [*cmd, "--on-deadlock", "report", str(program)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        stdout, _ = proc.communicate(timeout=timeout)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, _ = proc.communicate()
        code = None
    report = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    return code, stdout, report


def test_neither_anyio_nor_uvloop_is_imported_unasked(tmp_path: Path) -> None:
    code, stdout, _ = _run(
        tmp_path,
        "import asyncio, sys\n"
        "async def main():\n"
        "    async with asyncio.Lock():\n"
        "        await asyncio.sleep(0)\n"
        "asyncio.run(main())\n"
        "print(sorted(m for m in ('anyio', 'uvloop') if m in sys.modules))\n",
        timeout=20,
    )
    assert code == 0
    assert stdout.strip() == b"[]"


def test_anyio_is_patched_while_detecting_and_restored_exactly() -> None:
    pytest.importorskip("anyio")
    from anyio._backends import _asyncio as backend
    from anyio._core import _synchronization as sync

    classes = [backend.Lock, backend.Semaphore, backend.CapacityLimiter, backend.Event]
    classes += [backend.TaskGroup, backend.CancelScope, sync.Condition, sync.LockAdapter]
    before = [dict(cls.__dict__) for cls in classes]
    meta_path = list(sys.meta_path)
    assert detector_module.current() is None
    detector = detector_module.install(Config(watchdog=None, long_wait=None))
    try:
        assert backend.Lock.__dict__["acquire"] is not before[0]["acquire"]
        assert "_task" in backend.CancelScope.__dict__
    finally:
        detector_module.uninstall()
    assert not detector.active
    assert [dict(cls.__dict__) for cls in classes] == before
    assert sys.meta_path == meta_path


def test_anyio_imported_after_install_is_patched(tmp_path: Path) -> None:
    pytest.importorskip("anyio")
    code, stdout, report = _run(
        tmp_path,
        "import aiodeadlock, sys\n"
        "assert 'anyio' not in sys.modules\n"
        "import anyio\n"
        "async def main():\n"
        "    lock = anyio.Lock()\n"
        "    await lock.acquire()\n"
        "    async with anyio.create_task_group() as tg:\n"
        "        tg.start_soon(lock.acquire)\n"
        "anyio.run(main)\n",
        timeout=6,
    )
    # main holds the lock and waits for its own task group, whose child waits for the lock
    assert code is None, stdout  # report mode: the program goes on waiting
    assert [f["kind"] for f in report["findings"] if f["definite"]] == ["wait-cycle"]


def test_uvloop_stall_is_only_potential(tmp_path: Path) -> None:
    pytest.importorskip("uvloop")
    code, _, report = _run(
        tmp_path,
        "import asyncio, uvloop\n"
        "async def main():\n"
        "    await asyncio.Event().wait()\n"
        "uvloop.run(main())\n",
        timeout=5,
    )
    assert code is None  # still waiting: nothing ends a run on a potential finding
    findings = report.get("findings", [])
    assert [(f["kind"], f["definite"]) for f in findings] == [("stall", False)]
    assert "uvloop" in findings[0]["message"]


def test_uvloop_io_never_counts_as_a_stall(tmp_path: Path) -> None:
    pytest.importorskip("uvloop")
    code, _, report = _run(
        tmp_path,
        "import asyncio, socket, uvloop\n"
        "async def main():\n"
        "    a, b = socket.socketpair()\n"
        "    reader, writer = await asyncio.open_connection(sock=a)\n"
        "    await reader.read(1)\n"
        "uvloop.run(main())\n",
        timeout=4,
    )
    assert code is None
    assert report.get("findings", []) == []
