"""The live graph's description of counted primitives: permits, tokens, and none for locks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

LIMITER_AND_LOCK = """\
import anyio

async def a(lock, limiter, go):
    async with limiter:
        await go.wait()
        async with lock:
            pass

async def b(lock, limiter, go):
    async with lock:
        go.set()
        async with limiter:
            pass

async def main():
    lock, limiter, go = anyio.Lock(), anyio.CapacityLimiter(2), anyio.Event()
    async with anyio.create_task_group() as tg:
        tg.start_soon(a, lock, limiter, go)  # two tasks take both tokens and wait
        tg.start_soon(a, lock, limiter, go)  # for the lock, which b holds while it
        await anyio.sleep(0.1)
        tg.start_soon(b, lock, limiter, go)  # waits for a token

anyio.run(main)
"""


def test_locks_have_no_permit_count_and_limiters_count_tokens(tmp_path: Path) -> None:
    pytest.importorskip("anyio")
    (tmp_path / "prog.py").write_text(LIMITER_AND_LOCK, encoding="utf-8")
    out = tmp_path / "r.json"
    cmd = [sys.executable, "-m", "aiodeadlock", "run", "--format", "json", "--output", str(out)]
    proc = subprocess.run(
        [*cmd, "prog.py"], cwd=tmp_path, capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 3, proc.stderr
    finding = json.loads(out.read_text(encoding="utf-8"))["findings"][0]
    details = {r["type"]: r.get("detail") for r in finding["resources"]}
    assert details["anyio.Lock"] is None
    assert details["anyio.CapacityLimiter"] == "0 of 2 tokens free"
