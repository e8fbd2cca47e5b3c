"""`run --strict`: potential deadlocks (lock-order inversions) make the run exit with 3."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

PROGRAM = textwrap.dedent(
    """\
    import asyncio

    async def task(first, second):
        async with first:
            async with second:
                pass

    async def main():
        a, b = asyncio.Lock(), asyncio.Lock()
        await asyncio.gather(task(a, b), task(b, a))
        print("finished")

    asyncio.run(main())
    """
)


def run(tmp_path: Path, *options: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    script = tmp_path / "app.py"
    script.write_text(PROGRAM)
    report = tmp_path / "report.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "aiodeadlock",
            "run",
            "--format",
            "json",
            "--output",
            str(report),
            *options,
            str(script),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    return proc, json.loads(report.read_text())


def test_without_strict_the_program_exit_status_stands(tmp_path: Path) -> None:
    proc, report = run(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "finished\n"
    (finding,) = report["findings"]
    assert finding["kind"] == "lock-order" and finding["code"] == "DL104"
    assert finding["definite"] is False
    lines = {e["wait_at"]["line"] for e in finding["edges"]} | {
        e["since"]["line"] for e in finding["edges"]
    }
    assert lines == {4, 5}


def test_strict_turns_a_potential_finding_into_exit_3(tmp_path: Path) -> None:
    proc, report = run(tmp_path, "--strict")
    assert proc.returncode == 3
    assert proc.stdout == "finished\n"
    assert [f["kind"] for f in report["findings"]] == ["lock-order"]


def test_strict_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.aiodeadlock.run]\nstrict = true\n")
    proc, _ = run(tmp_path)
    assert proc.returncode == 3
