"""--aiodeadlock-report-dir: each deadlocked test's JSON and HTML reports, named after it."""

from __future__ import annotations

import json

import pytest

from aiodeadlock.pytest_plugin import report_name

pytest_plugins = ["pytester"]

TIMEOUT = 60

TESTS = """
import asyncio

import pytest


def test_retake():
    async def main():
        lock = asyncio.Lock()
        async with lock:
            async with lock:  # deadlock
                pass

    asyncio.run(main())


@pytest.mark.parametrize("n", [1])
def test_cycle(n):
    async def main():
        a, b = asyncio.Lock(), asyncio.Lock()

        async def take(first, second):
            async with first:
                await asyncio.sleep(0.01)
                async with second:  # cycle
                    pass

        await asyncio.gather(take(a, b), take(b, a))

    asyncio.run(main())


def test_fine():
    async def main():
        lock = asyncio.Lock()
        async with lock:
            pass

    asyncio.run(main())
"""


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=TIMEOUT)


def _line(tag: str) -> int:
    lines = TESTS.strip("\n").splitlines()
    return next(i for i, line in enumerate(lines, 1) if tag in line)


def test_each_deadlocked_test_gets_a_json_and_an_html_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_dl=TESTS)
    result = _run(pytester, "--aiodeadlock", "--aiodeadlock-report-dir", "out/reports")
    result.assert_outcomes(failed=2, passed=1)
    folder = pytester.path / "out" / "reports"
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "test_dl.py_test_cycle[1].html",
        "test_dl.py_test_cycle[1].json",
        "test_dl.py_test_retake.html",
        "test_dl.py_test_retake.json",
    ]
    retake = json.loads((folder / "test_dl.py_test_retake.json").read_text(encoding="utf-8"))
    assert [(f["kind"], f["location"]["line"]) for f in retake["findings"]] == [
        ("self-deadlock", _line("# deadlock"))
    ]
    cycle = json.loads((folder / "test_dl.py_test_cycle[1].json").read_text(encoding="utf-8"))
    assert [f["kind"] for f in cycle["findings"]] == ["wait-cycle"]
    page = (folder / "test_dl.py_test_cycle[1].html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert f"test_dl.py:{_line('# cycle')}" in page
    # the failure message names the files
    out = result.stdout.str()
    assert f"aiodeadlock: report written to {folder / 'test_dl.py_test_retake.json'} and " in out
    assert str(folder / "test_dl.py_test_cycle[1].html") in out


def test_the_ini_setting_is_relative_to_the_rootdir(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\naiodeadlock = true\naiodeadlock_report_dir = deadlocks\n")
    pytester.makepyfile(test_dl=TESTS)
    sub = pytester.mkdir("elsewhere")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", str(pytester.path), "-k", "retake", timeout=TIMEOUT
    )
    result.assert_outcomes(failed=1, deselected=2)
    assert (pytester.path / "deadlocks" / "test_dl.py_test_retake.json").is_file()
    assert not (sub / "deadlocks").exists()


def test_no_report_files_without_a_deadlock(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_dl=TESTS)
    result = _run(pytester, "--aiodeadlock", "--aiodeadlock-report-dir", "r", "-k", "fine")
    result.assert_outcomes(passed=1, deselected=2)
    assert not (pytester.path / "r").exists()


def test_a_file_in_the_way_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_dl=TESTS)
    (pytester.path / "taken").write_text("", encoding="utf-8")
    result = _run(pytester, "--aiodeadlock", "--aiodeadlock-report-dir", "taken")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "aiodeadlock report directory 'taken' is not a directory" in result.stderr.str()


@pytest.mark.parametrize(
    ("nodeid", "name"),
    [
        ("tests/test_a.py::test_b", "tests_test_a.py_test_b"),
        ("t.py::TestX::test_y[a/b-c d]", "t.py_TestX_test_y[a_b-c_d]"),
        ("../up.py::test", "up.py_test"),
    ],
)
def test_report_names_are_safe_file_names(nodeid: str, name: str) -> None:
    assert report_name(nodeid) == name


def test_long_test_ids_stay_unique_and_short() -> None:
    one, two = (report_name("t.py::test[" + "x" * 300 + end + "]") for end in "12")
    assert one != two
    assert len(one) == len(two) == 120
