"""The `aiodeadlock check` command line: exit codes, formats, options, config, cache."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from aiodeadlock.check.cli import main

SELF_LOCK = """\
import asyncio

LOCK = asyncio.Lock()


async def f():
    async with LOCK:
        async with LOCK:
            pass
"""

CLEAN = """\
import asyncio


async def f():
    await asyncio.sleep(0)
"""


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aiodeadlock", "check", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_findings_exit_1_and_line_format(tmp_path: Path) -> None:
    write(tmp_path, "app.py", SELF_LOCK)
    proc = run(tmp_path, "--no-cache")
    assert proc.returncode == 1, proc.stderr
    first, summary = proc.stdout.splitlines()
    assert first.startswith("app.py:8:20: DL203 ")
    assert summary.startswith("Found 1 deadlock hazard in 1 file")


def test_clean_exit_0(tmp_path: Path) -> None:
    write(tmp_path, "app.py", CLEAN)
    proc = run(tmp_path, "--no-cache", ".")
    assert proc.returncode == 0
    assert proc.stdout.startswith("No deadlock hazards found")


def test_usage_errors_exit_2_without_traceback(tmp_path: Path) -> None:
    for args in (["--format", "xml"], ["missing.py"], ["--select", "X1"]):
        proc = run(tmp_path, *args)
        assert proc.returncode == 2
        assert "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1


def test_default_skips_virtualenvs(tmp_path: Path) -> None:
    write(tmp_path, ".venv/lib/bad.py", SELF_LOCK)
    write(tmp_path, "build/bad.py", SELF_LOCK)
    write(tmp_path, "node_modules/bad.py", SELF_LOCK)
    write(tmp_path, "ok.py", CLEAN)
    assert run(tmp_path, "--no-cache").returncode == 0


def test_json_format(tmp_path: Path) -> None:
    write(tmp_path, "app.py", SELF_LOCK)
    proc = run(tmp_path, "--no-cache", "--format", "json")
    doc = json.loads(proc.stdout)
    assert doc["format_version"] == 1
    (finding,) = doc["findings"]
    assert finding["code"] == "DL203"
    assert finding["location"] == {"file": "app.py", "line": 8, "column": 20}
    assert finding["related"][0]["line"] == 7


def test_sarif_format(tmp_path: Path) -> None:
    write(tmp_path, "a.py", "import asyncio\n\nA = asyncio.Lock()\nB = asyncio.Lock()\n")
    write(
        tmp_path,
        "b.py",
        """\
        from a import A, B


        async def one():
            async with A:
                async with B:
                    pass
        """,
    )
    write(
        tmp_path,
        "c.py",
        """\
        import a


        async def two():
            async with a.B:
                async with a.A:
                    pass
        """,
    )
    proc = run(tmp_path, "--no-cache", "--format", "sarif")
    assert proc.returncode == 1, proc.stderr
    log = json.loads(proc.stdout)
    assert log["version"] == "2.1.0"
    run0 = log["runs"][0]
    ids = [r["id"] for r in run0["tool"]["driver"]["rules"]]
    assert ids[:2] == ["DL200", "DL201"] and "DL213" in ids
    assert all(r["help"]["text"] for r in run0["tool"]["driver"]["rules"])
    results = run0["results"]
    assert {r["ruleId"] for r in results} == {"DL204"}
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {
        "b.py",
        "c.py",
    }
    for r in results:
        assert r["partialFingerprints"]
        assert r["relatedLocations"]
    fingerprints = [r["partialFingerprints"] for r in results]
    again = json.loads(run(tmp_path, "--no-cache", "--format", "sarif").stdout)
    assert [r["partialFingerprints"] for r in again["runs"][0]["results"]] == fingerprints


def test_noqa(tmp_path: Path) -> None:
    text = SELF_LOCK.replace(
        "async with LOCK:\n            pass", "async with LOCK:  # noqa: DL203\n            pass"
    )
    write(tmp_path, "a.py", text)
    write(
        tmp_path,
        "b.py",
        SELF_LOCK.replace("            pass", "            pass").replace(
            "        async with LOCK:\n            pass",
            "        async with LOCK:  # noqa\n            pass",
        ),
    )
    write(
        tmp_path,
        "c.py",
        SELF_LOCK.replace(
            "        async with LOCK:\n            pass",
            "        async with LOCK:  # noqa: DL201\n            pass",
        ),
    )
    proc = run(tmp_path, "--no-cache")
    assert proc.returncode == 1
    assert [line.split(":")[0] for line in proc.stdout.splitlines()[:-1]] == ["c.py"]


def test_select_and_ignore(tmp_path: Path) -> None:
    write(tmp_path, "app.py", SELF_LOCK)
    assert run(tmp_path, "--no-cache", "--select", "DL201").returncode == 0
    assert run(tmp_path, "--no-cache", "--select", "DL20").returncode == 1
    assert run(tmp_path, "--no-cache", "--ignore", "DL203").returncode == 0


def test_opt_in_rule_needs_exact_select(tmp_path: Path) -> None:
    write(
        tmp_path,
        "app.py",
        "import asyncio\nE = asyncio.Event()\n\n\nasync def f():\n    await E.wait()\n",
    )
    assert run(tmp_path, "--no-cache").returncode == 0
    assert run(tmp_path, "--no-cache", "--select", "DL2").returncode == 0
    proc = run(tmp_path, "--no-cache", "--select", "DL213")
    assert proc.returncode == 1 and "DL213" in proc.stdout


def test_pyproject_config(tmp_path: Path) -> None:
    write(tmp_path, "pkg/__init__.py", "")
    write(tmp_path, "pkg/app.py", SELF_LOCK)
    write(tmp_path, "tests/test_app.py", SELF_LOCK)
    write(
        tmp_path,
        "pyproject.toml",
        """\
        [tool.aiodeadlock]
        ignore = ["DL213"]
        per-file-ignores = {"tests/*" = ["DL203"]}
        """,
    )
    proc = run(tmp_path, "--no-cache")
    assert proc.returncode == 1
    assert [line.split(":")[0] for line in proc.stdout.splitlines()[:-1]] == ["pkg/app.py"]


def test_config_declared_lock_order_and_lock_types(tmp_path: Path) -> None:
    write(
        tmp_path,
        "app.py",
        """\
        import asyncio
        import mylib

        FIRST = asyncio.Lock()
        SECOND = mylib.FairLock()


        async def f():
            async with SECOND:
                async with FIRST:
                    pass
        """,
    )
    write(
        tmp_path,
        "pyproject.toml",
        """\
        [tool.aiodeadlock]
        lock-order = ["app.FIRST", "app.SECOND"]
        lock-types = {"mylib.FairLock" = "asyncio.Lock"}
        """,
    )
    proc = run(tmp_path, "--no-cache")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "DL204" in proc.stdout and "declared lock order" in proc.stdout


@pytest.mark.parametrize(
    "table",
    [
        'select = "DL201"',
        "select = [1]",
        'lock-types = {"mylib.X" = "banana"}',
        'lock-order = "a"',
        "unknown-key = 1",
        'per-file-ignores = ["x"]',
    ],
)
def test_bad_config_is_one_line_exit_2(tmp_path: Path, table: str) -> None:
    write(tmp_path, "app.py", CLEAN)
    write(tmp_path, "pyproject.toml", f"[tool.aiodeadlock]\n{table}\n")
    proc = run(tmp_path, "--no-cache")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_syntax_error_is_one_finding_and_rest_is_checked(tmp_path: Path) -> None:
    write(tmp_path, "broken.py", "async def f(:\n    pass\n")
    write(tmp_path, "app.py", SELF_LOCK)
    proc = run(tmp_path, "--no-cache")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert any(line.startswith("broken.py:1:") and " DL200 syntax error" in line for line in lines)
    assert any(line.startswith("app.py:8:") for line in lines)


def test_cache_warm_run_reanalyses_only_changed_files(tmp_path: Path) -> None:
    write(tmp_path, "a.py", SELF_LOCK)
    write(tmp_path, "b.py", CLEAN)
    write(tmp_path, "c.py", CLEAN)
    cold = run(tmp_path)
    assert "3 files checked (3 analysed, 0 from cache)" in cold.stdout
    assert (tmp_path / ".aiodeadlock-cache").is_dir()
    warm = run(tmp_path)
    assert "3 files checked (0 analysed, 3 from cache)" in warm.stdout
    assert warm.stdout.splitlines()[0] == cold.stdout.splitlines()[0]
    write(tmp_path, "b.py", CLEAN + "\n\nasync def g():\n    pass\n")
    third = run(tmp_path)
    assert "3 files checked (1 analysed, 2 from cache)" in third.stdout
    uncached = run(tmp_path, "--no-cache")
    assert "0 from cache)" in uncached.stdout


def test_cross_file_self_deadlock_through_call(tmp_path: Path) -> None:
    write(tmp_path, "pkg/__init__.py", "")
    write(
        tmp_path,
        "pkg/store.py",
        """\
        import asyncio

        LOCK = asyncio.Lock()


        async def save():
            async with LOCK:
                pass
        """,
    )
    write(
        tmp_path,
        "pkg/api.py",
        """\
        from pkg.store import LOCK, save


        async def handler():
            async with LOCK:
                await save()
        """,
    )
    proc = run(tmp_path, "--no-cache")
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[0].startswith("pkg/api.py:6:15: DL203")


def test_main_in_process_returns_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "app.py", SELF_LOCK)
    monkeypatch.chdir(tmp_path)
    assert main(["--no-cache", "app.py"]) == 1
    assert main(["--list-rules"]) == 0
    assert main(["--bogus"]) == 2


def test_output_file_and_help(tmp_path: Path) -> None:
    write(tmp_path, "app.py", SELF_LOCK)
    proc = run(tmp_path, "--no-cache", "--format", "json", "--output", "report.json")
    assert proc.returncode == 1 and proc.stdout == ""
    assert json.loads((tmp_path / "report.json").read_text())["findings"][0]["code"] == "DL203"
    helped = run(tmp_path, "--help")
    assert helped.returncode == 0 and "--select" in helped.stdout


def test_lock_passed_as_parameter_attribute_across_files(tmp_path: Path) -> None:
    write(
        tmp_path,
        "bank.py",
        """\
        import asyncio


        class Account:
            def __init__(self):
                self.lock = asyncio.Lock()
        """,
    )
    write(
        tmp_path,
        "ops.py",
        """\
        import asyncio

        from bank import Account


        async def move(src: Account, dst: Account):
            async with src.lock:
                async with dst.lock:
                    pass


        async def main():
            a, b = Account(), Account()
            await asyncio.gather(move(a, b), move(b, a))
        """,
    )
    proc = run(tmp_path, "--no-cache")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.startswith("ops.py:8:20: DL204 ")
