"""`aiodeadlock report SAVED.json`: re-renders a saved report; bad input is one line, exit 2."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiodeadlock.cli.report_command import main as report_main
from aiodeadlock.model.findings import WAIT_CYCLE, Edge, Finding, Hold, Resource, TaskReport
from aiodeadlock.model.location import Location
from aiodeadlock.model.report import Report, RunInfo
from aiodeadlock.report import text as text_report

TIMEOUT = 60


def sample_report() -> Report:
    """A two-task lock cycle with run information."""
    here = "/srv/app/jobs.py"
    tasks = (
        TaskReport(
            "T1",
            "worker-1",
            "waiting",
            "L2",
            Location(here, 10, "a"),
            (Hold("L1", Location(here, 7)),),
            (Location(here, 10, "a"),),
        ),
        TaskReport(
            "T2",
            "worker-2",
            "waiting",
            "L1",
            Location(here, 20, "b"),
            (Hold("L2", Location(here, 17)),),
            (Location(here, 20, "b"),),
        ),
    )
    finding = Finding(
        WAIT_CYCLE,
        "2 tasks wait for each other in a cycle: 'worker-1' -> 'worker-2' -> 'worker-1'",
        Location(here, 20, "b"),
        (
            Edge("T1", "L2", Location(here, 10), "T2", Location(here, 17)),
            Edge("T2", "L1", Location(here, 20), "T1", Location(here, 7)),
        ),
        tasks,
        (Resource("L1", "Lock", "first"), Resource("L2", "Lock", "second")),
        members=("T1", "T2"),
    )
    run = RunInfo(("python", "jobs.py"), "3.12.1", "CPython", "Linux", "2026-01-02T03:04:05Z", 7)
    return Report((finding,), run)


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "saved.json"
    path.write_text(sample_report().dumps(), encoding="utf-8")
    return path


def cli(*args: str | Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "aiodeadlock", "report", *map(str, args)],
        input=stdin,
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )


def test_text_is_the_default_and_matches_the_text_report(saved: Path) -> None:
    done = cli(saved)
    assert done.returncode == 0, done.stderr  # re-rendering a deadlock is not a deadlock
    assert done.stdout.decode() == text_report.render_report(sample_report())
    assert done.stderr == b""


def test_json_round_trip_reproduces_the_data(saved: Path) -> None:
    done = cli(saved, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == json.loads(saved.read_text(encoding="utf-8"))
    again = saved.parent / "again.json"
    again.write_bytes(done.stdout)
    assert json.loads(cli(again, "--format=json").stdout) == json.loads(done.stdout)


@pytest.mark.parametrize(
    ("name", "start"), [("html", b"<!DOCTYPE html>"), ("dot", b"digraph aiodeadlock {")]
)
def test_html_and_dot_to_a_file(saved: Path, tmp_path: Path, name: str, start: bytes) -> None:
    out = tmp_path / f"report.{name}"
    done = cli(saved, "--format", name, "--output", out)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    written = out.read_bytes()
    assert written.startswith(start)
    assert b"worker-1" in written and b"jobs.py:10" in written


def test_dash_means_standard_output_and_standard_input(saved: Path) -> None:
    done = cli("--output", "-", "--format", "dot", "-", stdin=saved.read_bytes())
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"digraph aiodeadlock {")


def test_help() -> None:
    done = cli("--help")
    assert done.returncode == 0
    assert done.stdout.startswith(b"usage: aiodeadlock report")
    assert b"--format {text,json,html,dot}" in done.stdout
    top = subprocess.run(
        [sys.executable, "-m", "aiodeadlock", "--help"], capture_output=True, timeout=TIMEOUT
    )
    assert b"\n  report " in top.stdout


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def bad_version(tmp_path: Path) -> Path:
    data = sample_report().to_json()
    data["format_version"] = 2
    return write(tmp_path, "v2.json", json.dumps(data).encode())


def bad_field(tmp_path: Path) -> Path:
    data: Any = sample_report().to_json()
    data["findings"][0]["edges"][0]["wait_at"] = {"file": "jobs.py", "line": "ten"}
    return write(tmp_path, "field.json", json.dumps(data).encode())


BAD_INPUTS = {
    "missing": (lambda p: p / "nope.json", "no such file: '{path}'"),
    "directory": (lambda p: p, "'{path}' is a directory, not a saved report"),
    "empty": (lambda p: write(p, "e.json", b""), "'{path}': not JSON: Expecting value"),
    "not JSON": (lambda p: write(p, "x.json", b"aiodeadlock: deadlock"), "'{path}': not JSON"),
    "not UTF-8": (lambda p: write(p, "b.json", b'{"a": "\xff"}'), "'{path}': not JSON: not UTF-8"),
    "a list": (lambda p: write(p, "l.json", b"[]"), "'{path}': report: expected an object"),
    "no version": (
        lambda p: write(p, "n.json", b'{"findings": []}'),
        "'{path}': unsupported format_version none (this aiodeadlock reads 1)",
    ),
    "newer version": (
        bad_version,
        "'{path}': unsupported format_version 2 (this aiodeadlock reads 1)",
    ),
    "bad field": (
        bad_field,
        "'{path}': findings[0].edges[0].wait_at.line: expected an integer, got str 'ten'",
    ),
    "nested too deeply": (
        lambda p: write(p, "deep.json", b"[" * 200_000 + b"]" * 200_000),
        "'{path}': ",
    ),
}


@pytest.mark.parametrize(("make", "expected"), BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_a_bad_file_is_one_line_and_exit_2(tmp_path: Path, make: Any, expected: str) -> None:
    path = make(tmp_path)
    done = cli(path, "--format", "html")
    assert done.returncode == 2
    assert done.stdout == b""
    err = done.stderr.decode()
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("aiodeadlock report: error: " + expected.format(path=path)), err


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read a file without permission"
)
def test_an_unreadable_file(saved: Path) -> None:
    saved.chmod(0)
    done = cli(saved)
    assert done.returncode == 2
    assert (
        done.stderr.decode()
        == f"aiodeadlock report: error: cannot read '{saved}': Permission denied\n"
    )


BAD_USAGE = {
    "no file": ((), "no report given"),
    "two files": (("a.json", "b.json"), "one report at a time, got 2: a.json b.json"),
    "unknown format": (("--format", "pdf", "a.json"), "option --format: invalid choice 'pdf'"),
    "unknown option": (("--colour", "a.json"), "unrecognized option '--colour'"),
    "short option": (("-x", "a.json"), "unrecognized option '-x'"),
    "missing value": (("a.json", "--output"), "option --output expects a value"),
}


@pytest.mark.parametrize(("args", "expected"), BAD_USAGE.values(), ids=BAD_USAGE.keys())
def test_bad_usage_is_one_line_and_exit_2(args: tuple[str, ...], expected: str) -> None:
    done = cli(*args)
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.decode().startswith(f"aiodeadlock report: error: {expected}")
    assert done.stderr.count(b"\n") == 1


def test_an_output_that_cannot_be_written(saved: Path, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "dir" / "r.html"
    done = cli(saved, "--format", "html", "--output", target)
    assert done.returncode == 2
    assert done.stderr.decode() == (
        f"aiodeadlock report: error: cannot write '{target}': No such file or directory\n"
    )


def test_a_reader_that_stops_early_is_no_error(tmp_path: Path) -> None:
    report = sample_report()
    big = report.with_findings(report.findings * 400)
    path = write(tmp_path, "big.json", big.dumps().encode())
    proc = subprocess.Popen(
        [sys.executable, "-m", "aiodeadlock", "report", str(path), "--format", "html"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(100).startswith(b"<!DOCTYPE html>")
    proc.stdout.close()  # like `| head -c 100`
    err = proc.stderr.read()
    assert proc.wait(timeout=TIMEOUT) == 0
    assert err == b""


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


MUTATION_PATHS: list[tuple[Any, ...]] = [
    ("format_version",),
    ("findings",),
    ("run",),
    ("run", "command"),
    ("findings", 0, "kind"),
    ("findings", 0, "definite"),
    ("findings", 0, "location"),
    ("findings", 0, "edges"),
    ("findings", 0, "edges", 0, "wait_at"),
    ("findings", 0, "edges", 0, "holder"),
    ("findings", 0, "tasks", 0, "holds"),
    ("findings", 0, "tasks", 0, "stack"),
    ("findings", 0, "tasks", 0, "actor"),
    ("findings", 0, "resources", 0, "name"),
    ("findings", 0, "cycle"),
]


def mutated_report(draw: Any) -> Any:
    """The sample report's data with one to three of its values replaced by any JSON."""
    data: Any = sample_report().to_json()
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(MUTATION_PATHS))
        target = data
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = draw(JSON_VALUES)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed what this one would change
    return data


@settings(max_examples=150, deadline=None)
@given(st.data(), st.sampled_from(["text", "json", "html", "dot"]))
def test_any_json_renders_or_is_refused_in_one_line(data: Any, name: str) -> None:
    value = mutated_report(data.draw) if data.draw(st.booleans()) else data.draw(JSON_VALUES)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.json"
        path.write_text(json.dumps(value), encoding="utf-8")
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = report_main([str(path), "--format", name, "--output", str(Path(tmp) / "o")])
        written = (Path(tmp) / "o").exists()
    assert code in (0, 2)
    if code == 2:
        assert err.getvalue().startswith("aiodeadlock report: error: ")
        assert err.getvalue().count("\n") == 1
        assert not written
    else:
        assert err.getvalue() == "" and written
