"""The startup hook as a user gets it: a fresh venv, `pip install` of the built wheel, and
plain `python` with AIODEADLOCK set (inherited by child processes too)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 120.0
REQUIRE_TOOLS = bool(os.environ.get("AIODEADLOCK_REQUIRE_TOOLS"))

CHILD_DEADLOCKS = """
import asyncio, subprocess, sys

async def main():
    a, b = asyncio.Lock(), asyncio.Lock()

    async def one():
        async with a:
            await asyncio.sleep(0.05)
            async with b:  # line 10
                pass

    async def two():
        async with b:
            await asyncio.sleep(0.05)
            async with a:  # line 16
                pass

    asyncio.create_task(one())
    asyncio.create_task(two())
    await asyncio.sleep(2.5)
    print("parent still running", flush=True)

if len(sys.argv) > 1:
    asyncio.run(main())
else:  # the parent: runs itself as a child, which inherits AIODEADLOCK
    subprocess.run([sys.executable, __file__, "child"], timeout=60)
    print("parent done", flush=True)
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh venv with aiodeadlock installed from its wheel (no editable install)."""
    where = tmp_path_factory.mktemp("hook")
    source = where / "source"  # a clean copy: no build/ left over from another build
    shutil.copytree(
        ROOT / "src", source / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__")
    )
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    wheels = where / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(source)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    if build.returncode != 0:
        message = f"cannot build the wheel (pip needs setuptools from PyPI): {build.stderr[-300:]}"
        if REQUIRE_TOOLS:
            pytest.fail(message)
        pytest.skip(message)
    env_dir = where / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    (wheel,) = wheels.glob("aiodeadlock-*.whl")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        timeout=TIMEOUT,
    )
    yield python


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIODEADLOCK", "PYTHON"))}
    env.update(extra)
    return env


def test_the_wheel_installs_the_hook_beside_the_package(installed: Path) -> None:
    site = subprocess.run(
        [
            str(installed),
            "-c",
            "import aiodeadlock, os; print(os.path.dirname(aiodeadlock.__path__[0]))",
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=_clean_env(),
    )
    assert (Path(site.stdout.strip()) / "aiodeadlock-startup.pth").is_file()


def test_without_the_variable_the_hook_imports_nothing(installed: Path) -> None:
    code = "import sys; print([m for m in sys.modules if m.startswith(('aiodeadlock', 'asyncio'))])"
    proc = subprocess.run(
        [str(installed), "-c", code],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=_clean_env(),
    )
    assert (proc.stdout, proc.stderr) == ("[]\n", "")


def test_plain_python_with_the_variable_reports_in_a_child_process(
    installed: Path, tmp_path: Path
) -> None:
    prog = tmp_path / "parent.py"
    prog.write_text(CHILD_DEADLOCKS, encoding="utf-8")
    proc = subprocess.run(
        [str(installed), str(prog)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=tmp_path,
        env=_clean_env(AIODEADLOCK="log"),
    )
    assert proc.stdout == "parent still running\nparent done\n", proc.stderr
    records = [
        json.loads(line)["aiodeadlock"] for line in proc.stderr.splitlines() if line.startswith("{")
    ]
    assert [(r["kind"], r["definite"]) for r in records] == [("wait-cycle", True)], proc.stderr
    waits = sorted(t["waits_at"]["line"] for t in records[0]["tasks"])
    assert waits == [10, 16]


def test_a_bad_value_leaves_the_program_alone(installed: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(installed), "-c", "print('ran')"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=_clean_env(AIODEADLOCK="yes please"),
    )
    assert proc.returncode == 0
    assert proc.stdout == "ran\n"
    assert proc.stderr == (
        "aiodeadlock: warning: AIODEADLOCK='yes please' is not one of exit, raise, report, "
        "log; detection is off\n"
    )
