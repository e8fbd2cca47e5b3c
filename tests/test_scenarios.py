"""Run every scenario program in tests/scenarios/ through `aiodeadlock run` and check its header."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from report_schema import assert_valid_report

SCENARIOS = Path(__file__).parent / "scenarios"
DEFAULT_TIMEOUT = 10.0
DEADLOCK_EXIT = 3
#: Keys of a report whose values are source locations (objects with file and line).
LOCATION_KEYS = (
    "location",
    "wait_at",
    "since",
    "waits_at",
    "created_at",
    "ended_at",
    "cancelled_at",
    "caught_at",
    "released_at",
)


@dataclass
class Expectation:
    """What a scenario's comment header says about it."""

    kind: str | None = None  # None: "expect: none"
    lines: list[int] = field(default_factory=list)
    at: int | None = None  # the finding's own `location` is this file at this line
    exit: int | None = None
    hangs: bool = False  # "exit: hang": still running at the timeout (--on-deadlock report)
    timeout: float = DEFAULT_TIMEOUT
    requires: tuple[int, ...] = ()
    args: list[str] = field(default_factory=list)
    potential: dict[str, list[int]] = field(default_factory=dict)  # kind -> lines
    stdout_has: list[str] = field(default_factory=list)
    pending: str | None = None
    known_bug: str | None = None


def _kind_and_lines(value: str) -> tuple[str, list[int]]:
    kind, _, rest = value.strip().partition(" ")
    lines: list[int] = []
    for part in rest.split():
        if part.startswith("lines="):
            lines = [int(n) for n in part[len("lines=") :].split(",") if n]
        else:
            raise ValueError(f"unknown expectation field {part!r}")
    return kind, lines


def parse_header(path: Path) -> Expectation:
    """Read the leading comment block of a scenario file (see scenarios/README.md)."""
    exp = Expectation()
    seen_expect = False
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("#"):
            break
        key, sep, value = line[1:].strip().partition(":")
        if not sep:
            continue
        key, value = key.strip(), value.strip()
        if key == "expect":
            seen_expect = True
            if value != "none":
                exp.kind, exp.lines = _kind_and_lines(value)
        elif key == "at":
            exp.at = int(value)
        elif key == "exit":
            if value == "hang":
                exp.hangs = True
            else:
                exp.exit = int(value)
        elif key == "timeout":
            exp.timeout = float(value)
        elif key == "requires":
            exp.requires = tuple(int(n) for n in value.split("."))
        elif key == "args":
            exp.args = shlex.split(value)
        elif key == "potential":
            kind, lines = _kind_and_lines(value)
            exp.potential[kind] = lines
        elif key == "stdout-has":
            exp.stdout_has.append(value)
        elif key == "pending":
            exp.pending = value
        elif key == "known-bug":
            exp.known_bug = value
    if not seen_expect:
        raise ValueError(f"{path}: no '# expect:' line in the header")
    return exp


@dataclass
class Run:
    """The outcome of one program run."""

    returncode: int | None  # None: killed after the timeout
    stdout: bytes
    stderr: bytes


def _start(cmd: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # a timeout kills the program and anything it started
    )


def _finish(proc: subprocess.Popen[bytes], timeout: float) -> Run:
    try:
        out, err = proc.communicate(timeout=timeout)
        return Run(proc.returncode, out, err)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate()
        return Run(None, out, err)


def _iter_locations(data: Any) -> list[dict[str, Any]]:
    """Every location object in a finding: the ones named by LOCATION_KEYS and stack frames."""
    found: list[dict[str, Any]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in LOCATION_KEYS and value is not None:
                found.append(value)
            elif key == "stack":
                found.extend(value)
            else:
                found.extend(_iter_locations(value))
    elif isinstance(data, list):
        for item in data:
            found.extend(_iter_locations(item))
    return found


def lines_in(finding: dict[str, Any], path: Path) -> set[int]:
    """The lines of `path` named by a finding's locations (creation sites excluded)."""
    lines: set[int] = set()
    sources: list[Any] = [finding.get("location")]
    for edge in finding.get("edges", []):
        sources += [edge.get("wait_at"), edge.get("since")]
    for task in finding.get("tasks", []):
        sources += [task.get("waits_at"), *task.get("stack", [])]
        sources += [hold.get("since") for hold in task.get("holds", [])]
        sources += [hold.get("released_at") for hold in task.get("holds", [])]
    for loc in sources:
        if loc and _same_file(loc["file"], path):
            lines.add(loc["line"])
    return lines


def _same_file(name: str, path: Path) -> bool:
    try:
        return os.path.samefile(name, path)
    except OSError:
        return False


def _has_uvloop() -> bool:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


def _scenario_files() -> list[Any]:
    params = []
    for path in sorted(SCENARIOS.rglob("*.py")):
        rel = path.relative_to(SCENARIOS).as_posix()
        marks = []
        exp = parse_header(path)
        if exp.pending:
            marks.append(pytest.mark.xfail(reason=f"pending: {exp.pending}", strict=False))
        if exp.known_bug:
            marks.append(pytest.mark.xfail(reason=f"known bug: {exp.known_bug}", strict=False))
        if path.name.startswith("uvloop_") and not _has_uvloop():
            marks.append(pytest.mark.skip(reason="uvloop is not installed (no wheel here)"))
        params.append(pytest.param(path, id=rel, marks=marks))
    return params


def _describe(run: Run, report: str) -> str:
    def text(data: bytes) -> str:
        return data.decode("utf-8", "replace")[-4000:]

    status = "timed out" if run.returncode is None else f"exit status {run.returncode}"
    return (
        f"aiodeadlock run: {status}\n--- stdout ---\n{text(run.stdout)}"
        f"\n--- stderr ---\n{text(run.stderr)}\n--- report ---\n{report[-6000:]}"
    )


def _check_location_shape(report: dict[str, Any]) -> None:
    for finding in report["findings"]:
        for loc in _iter_locations(finding):
            assert isinstance(loc.get("file"), str) and loc["file"], loc
            assert isinstance(loc.get("line"), int) and loc["line"] >= 1, loc


@pytest.mark.parametrize("path", _scenario_files())
def test_scenario(path: Path) -> None:
    _run_scenario(path, parse_header(path))


def _run_scenario(path: Path, exp: Expectation, loop: str | None = None) -> None:
    if exp.requires and sys.version_info[: len(exp.requires)] < exp.requires:
        pytest.skip(f"needs Python {'.'.join(map(str, exp.requires))}")
    with tempfile.TemporaryDirectory(prefix="adl-scenario-") as tmp:
        out = Path(tmp) / "report.json"
        program = [str(path)]
        if loop == "uvloop":  # the same program, every loop it makes a uvloop one
            program = [_uvloop_launcher(Path(tmp)), str(path)]
        cmd = [sys.executable, "-m", "aiodeadlock", "run", "--format", "json"]
        cmd += ["--output", str(out), *exp.args, *program]
        proc = _start(cmd, Path(tmp))
        plain = None if exp.kind else _start([sys.executable, *program], Path(tmp))
        try:
            _check(path, exp, _finish(proc, exp.timeout), plain, out)
        finally:
            if plain is not None and plain.poll() is None:
                _finish(plain, 0.01)


# -- the uvloop variant ---------------------------------------------------------------------
#
# Every scenario is run again with uvloop as the loop of whatever the program starts
# (asyncio.run, anyio.run, new_event_loop): negatives must stay silent; positives must be
# found, except those whose verdict is a stall (which uvloop gives no way to prove) and
# those that test what only asyncio's own loop has (listed below with the reason).

_UVLOOP_LAUNCHER = """\
import asyncio
import runpy
import sys
import warnings

import uvloop

with warnings.catch_warnings():  # event-loop policies are deprecated from 3.14 on
    warnings.simplefilter("ignore", DeprecationWarning)
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
del sys.argv[0]
runpy.run_path(sys.argv[0], run_name="__main__")
"""

#: Positive scenarios not expected to be found under uvloop, and why.
_THREAD_CHECK = "a loop asleep in uvloop's C code is not seen by the check of stuck threads"
#: A cycle through wake edges (an Event, Queue, Future... that only stuck tasks would set)
#: or a Queue pool is found when the loop stalls, which is not proved under uvloop.
_STALL_CYCLE = "a cycle through wake edges is found at a stall, which uvloop does not prove"
_UVLOOP_READY = "uvloop's ready queue, which would show who starts a coroutine, is out of reach"
UVLOOP_MISSES: dict[str, str] = {
    **{
        name: _THREAD_CHECK
        for name in (
            "pool_exhausted_jobs_wait_for_loop.py",
            "pool_exhausted_jobs_wait_for_own_pool.py",
            "pool_exhausted_jobs_wait_all_for_own_pool.py",
            "pool_exhausted_jobs_as_completed_own_pool.py",
            "single_thread_executor_bridge_waits_own_queue.py",
            "pool_job_holds_connection_waits_for_worker.py",
            "pool_job_holds_queue_connection_waits_for_worker.py",
            "thread_lock_taken_for_cancelled_task.py",
            # loop-blocked through a side loop: its thread, asleep in uvloop's C code, is
            # not read as waiting on its tasks
            "loop_bridge_to_side_loop_that_needs_it.py",
        )
    },
    # (a pool job waits for coroutines whose run_coroutine_threadsafe() callbacks wait there)
    "job_as_completed_needs_loop_blocked_on_it.py": _UVLOOP_READY,
    **{
        name: _STALL_CYCLE
        for name in (
            "condition_notifier_waits_lock_cycle.py",
            "event_set_again_cycle.py",
            "lock_handed_over_waits_future.py",
            "lock_waits_event_cycle.py",
            "queue_full_put_holding_lock.py",
            "queue_pool_nested_get.py",
            "semaphore_signal_waits_lock_cycle.py",
            "service_attribute_event_cycle.py",
        )
    },
}


def _uvloop_launcher(tmp: Path) -> str:
    path = tmp / "uvloop_launcher.py"
    path.write_text(_UVLOOP_LAUNCHER, encoding="utf-8")
    return str(path)


def _uvloop_files() -> list[Any]:
    params = []
    for param in _scenario_files():
        path = param.values[0]
        exp = parse_header(path)
        rel = path.relative_to(SCENARIOS).as_posix()
        marks = list(param.marks)
        if exp.kind == "stall":
            marks.append(pytest.mark.skip(reason="a stall is not proved under uvloop"))
        elif path.name in UVLOOP_MISSES:
            marks.append(pytest.mark.skip(reason=f"uvloop: {UVLOOP_MISSES[path.name]}"))
        params.append(pytest.param(path, id=rel, marks=marks))
    return params


@pytest.mark.skipif(not _has_uvloop(), reason="uvloop is not installed (no wheel here)")
@pytest.mark.parametrize("path", _uvloop_files())
def test_scenario_uvloop(path: Path) -> None:
    _run_scenario(path, parse_header(path), loop="uvloop")


def _check(
    path: Path, exp: Expectation, run: Run, plain: subprocess.Popen[bytes] | None, out: Path
) -> None:
    report_text = out.read_text(encoding="utf-8") if out.exists() else ""
    why = _describe(run, report_text)
    if exp.hangs:
        assert exp.kind is not None, "'exit: hang' needs an 'expect: KIND'"
        assert run.returncode is None, f"expected the program to go on waiting\n{why}"
    else:
        assert run.returncode is not None, f"no result in {exp.timeout} s\n{why}"
    assert report_text, f"no report written\n{why}"
    report = json.loads(report_text)
    assert report["format_version"] == 1, why
    assert_valid_report(report)
    _check_location_shape(report)
    definite = [f for f in report["findings"] if f["definite"]]
    potential = [f for f in report["findings"] if not f["definite"]]
    for text in exp.stdout_has:
        assert text.encode() in run.stdout, f"stdout lacks {text!r}\n{why}"

    if exp.kind is None:
        assert plain is not None
        base = _finish(plain, exp.timeout)
        assert base.returncode is not None, "the plain python run timed out"
        if exp.exit is not None:
            assert base.returncode == exp.exit, f"plain python exited {base.returncode}"
        assert run.returncode == base.returncode, why
        assert not definite, why
        assert run.stdout == base.stdout, f"stdout differs from plain python\n{why}"
    else:
        expected_exit = DEADLOCK_EXIT if exp.exit is None else exp.exit
        assert exp.hangs or run.returncode == expected_exit, why
        assert len(definite) == 1, f"expected one definite finding\n{why}"
        finding = definite[0]
        assert finding["kind"] == exp.kind, why
        missing = set(exp.lines) - lines_in(finding, path)
        assert not missing, f"lines {sorted(missing)} not in the finding\n{why}"
        if exp.at is not None:
            loc = finding["location"]
            assert loc and _same_file(loc["file"], path) and loc["line"] == exp.at, why

    for f in potential:
        assert f["kind"] in exp.potential, f"unexpected potential {f['kind']} finding\n{why}"
    for kind, lines in exp.potential.items():
        of_kind = [f for f in potential if f["kind"] == kind]
        if of_kind:
            named = [lines_in(f, path) for f in of_kind]
            assert any(set(lines) <= n for n in named), f"{kind}: lines {lines} not named\n{why}"


def test_header_directives(tmp_path: Path) -> None:
    path = tmp_path / "s.py"
    path.write_text(
        "# pending: wait-graph\n"
        "# expect: wait-cycle lines=7,10\n"
        "\n"
        "# exit: 0\n# timeout: 2.5\n# requires: 3.11\n# at: 10\n"
        "# args: --on-deadlock raise\n# stdout-has: caught it\n"
        "# potential: lock-order lines=6\n# potential: orphaned-lock\n"
        "# known-bug: something\n"
        "# A free-text line: with a colon.\n"
        "import asyncio\n# expect: none\n",
        encoding="utf-8",
    )
    exp = parse_header(path)
    assert (exp.kind, exp.lines, exp.exit, exp.timeout) == ("wait-cycle", [7, 10], 0, 2.5)
    assert exp.requires == (3, 11)
    assert exp.at == 10
    assert exp.args == ["--on-deadlock", "raise"]
    assert exp.stdout_has == ["caught it"]
    assert exp.potential == {"lock-order": [6], "orphaned-lock": []}
    assert (exp.pending, exp.known_bug, exp.hangs) == ("wait-graph", "something", False)


def test_header_without_expect_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "s.py"
    path.write_text("# just a comment\nprint(1)\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no '# expect:'"):
        parse_header(path)


def test_folders_match_expectations() -> None:
    """positive/ files expect a kind and name lines; negative/ files expect none."""
    names: set[str] = set()
    for path in SCENARIOS.rglob("*.py"):
        exp = parse_header(path)
        folder = path.parent.name
        if folder == "positive":
            assert exp.kind is not None and exp.lines, path
        elif folder == "negative":
            assert exp.kind is None, path
        assert path.name not in names, f"duplicate scenario name {path.name}"
        names.add(path.name)
    assert len(names) >= 40
