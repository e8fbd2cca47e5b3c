"""Which code reports leave out: asyncio's, ours, and anyio's while its primitives are
instrumented."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aiodeadlock.instrument import sites

ANYIO_WAIT = """\
import anyio

async def worker(ready):
    await ready.wait()  # line 4: never set

async def main():
    ready = anyio.Event()
    async with anyio.create_task_group() as tg:
        tg.start_soon(worker, ready)

anyio.run(main)
"""


def test_a_hidden_library_is_internal_until_shown(tmp_path: Path) -> None:
    code = compile("pass", str(tmp_path / "lib" / "mod.py"), "exec")
    assert not sites.is_internal(code)
    sites.hide_library(str(tmp_path / "lib") + "/")
    try:
        assert sites.is_internal(code)
    finally:
        sites.show_library(str(tmp_path / "lib") + "/")
    assert not sites.is_internal(code)


def test_anyio_frames_are_left_out_of_await_stacks(tmp_path: Path) -> None:
    pytest.importorskip("anyio")
    (tmp_path / "prog.py").write_text(ANYIO_WAIT, encoding="utf-8")
    out = tmp_path / "r.json"
    cmd = [sys.executable, "-m", "aiodeadlock", "run", "--format", "json", "--output", str(out)]
    proc = subprocess.run(
        [*cmd, "prog.py"], cwd=tmp_path, capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 3, proc.stderr
    (finding,) = json.loads(out.read_text(encoding="utf-8"))["findings"]
    frames = [frame for task in finding["tasks"] for frame in task["stack"]]
    assert frames, finding
    assert all(Path(frame["file"]).name == "prog.py" for frame in frames), frames
    worker = next(t for t in finding["tasks"] if t["name"].endswith("worker"))
    assert worker["stack"][-1]["line"] == 4
