"""Random asyncio programs with an outcome known by construction, checked against the detector.

Each family of `programs.py` and `thread_programs.py` generates programs whose ground
truth is known: they always complete (then no definite finding is allowed; lock-order,
DL104, is only ever potential and so allowed), or they always deadlock in one way (then
the definite findings must be exactly that kind). Every program runs in-process under the detector
(raise mode, contained), bounded by a timer that stops its loop; a few also run
end-to-end through `python -m aiodeadlock run --format json` in a subprocess.

CI runs a fixed set of programs (derandomize=True: the same programs on every run, no
example database): 460 in-process (CI_EXAMPLES), 12 end-to-end, and 12 end-to-end that
mix threads, executors and side loops with the watchdog on (half of them block the loop
thread on work only it could do), 30-40 s per interpreter. The long ("nightly") setting
draws fresh random programs (and prints a @reproduce_failure blob on a failure); set the
number of programs per family (each stall program takes ~0.2 s, the others ~15 ms;
end-to-end runs a tenth of that number):

    AIODEADLOCK_GENERATED_EXAMPLES=5000 python -m pytest tests/generated -q

and, to check every program instead of stopping at the first mismatch, write a JSON
line per program (family, expectation, findings, problems, source of the mismatches):

    AIODEADLOCK_GENERATED_EXAMPLES=1000 AIODEADLOCK_GENERATED_LOG=/tmp/gen.jsonl \\
        python -m pytest tests/generated -q
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from programs import FAMILIES, Program, describe, problems, run_program
from thread_programs import LOOP_BLOCKED, loop_blocked_programs, thread_completing_programs

from aiodeadlock import api

pytestmark = pytest.mark.aiodeadlock(enabled=False)  # the programs deadlock on purpose

EXAMPLES = os.environ.get("AIODEADLOCK_GENERATED_EXAMPLES")
LOG = os.environ.get("AIODEADLOCK_GENERATED_LOG")
#: Programs per family in CI (each stall program waits out the grace period).
CI_EXAMPLES = {
    "completes": 150,
    "self-deadlock": 60,
    "lock-cycle": 60,
    "task-cycle": 60,
    "orphaned-lock": 50,
    "stall": 40,
    "cancel-swallow": 12,
    "threads-complete": 40,
}
#: In-process families: the deadlocking ones, and programs mixing threads that complete.
IN_PROCESS = {**FAMILIES, "threads-complete": thread_completing_programs}
GRACE = 0.1
TIMEOUT = 10.0


def _settings(ci_examples: int) -> settings:
    """CI: `ci_examples` fixed programs; long setting: as many fresh ones as asked for."""
    return settings(
        max_examples=int(EXAMPLES) if EXAMPLES else ci_examples,
        derandomize=not EXAMPLES,
        database=None,
        deadline=None,
        print_blob=bool(EXAMPLES),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def _log(program: Program, definite: list[str], found: list[str], seconds: float) -> None:
    record = {
        "family": program.family,
        "expect": program.expect,
        "definite": definite,
        "problems": found,
        "seconds": round(seconds, 3),
    }
    if found:
        record["source"] = program.source
    assert LOG is not None
    with open(LOG, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")


def _check(program: Program) -> None:
    if api.installed():
        pytest.skip("aiodeadlock is installed around the test")
    start = time.perf_counter()
    outcome = run_program(program, grace=GRACE, timeout=TIMEOUT)
    found = problems(program, outcome)
    if LOG:
        _log(program, outcome.definite(), found, time.perf_counter() - start)
        return
    assert not found, "\n".join(found) + "\n" + describe(outcome)


@pytest.mark.parametrize("family", sorted(IN_PROCESS))
def test_generated_programs(family: str) -> None:
    @_settings(CI_EXAMPLES[family])
    @given(IN_PROCESS[family]())
    def check(program: Program) -> None:
        _check(program)

    check()


# -- end to end: a few programs through `python -m aiodeadlock run` --------------------


def _run_cli(
    program: Program, tmp: Path, *options: str
) -> tuple[int | None, list[dict[str, object]], str]:
    """Exit status (None: killed at the timeout), findings and stderr of `aiodeadlock run`."""
    script = tmp / "program.py"
    report = tmp / "report.json"
    script.write_text(program.source, encoding="utf-8")
    cmd = [sys.executable, "-m", "aiodeadlock", "run", "--format", "json"]
    cmd += ["--output", str(report), "--grace", str(GRACE), *options, str(script)]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    try:
        proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, timeout=TIMEOUT * 2)
    except subprocess.TimeoutExpired:
        return None, [], "(killed at the timeout)"
    stderr = proc.stderr.decode("utf-8", "replace")[-4000:]
    if not report.exists():
        return proc.returncode, [], stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    return proc.returncode, list(data["findings"]), stderr


@_settings(max(12, int(EXAMPLES or 0) // 10) if EXAMPLES else 12)
@given(st.one_of(*(family() for family in FAMILIES.values())))
def test_generated_programs_end_to_end(program: Program) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        status, findings, stderr = _run_cli(program, Path(tmp))
    definite = sorted({str(f["code"]) for f in findings if f["definite"]})
    expected = (0, []) if program.expect is None else (3, [program.expect])
    assert (status, definite) == expected, f"{stderr}\n{json.dumps(findings, indent=1)[:4000]}"


#: The watchdog's threshold for programs whose loop thread blocks (seconds).
LOOP_BLOCKED_AFTER = "0.3"


@_settings(max(12, int(EXAMPLES or 0) // 10) if EXAMPLES else 12)
@given(st.one_of(thread_completing_programs(), loop_blocked_programs()))
def test_thread_programs_end_to_end(program: Program) -> None:
    """Threads, executors and side loops: those that complete are left alone by the
    watchdog too (their loop thread blocks, but briefly, on work of other threads); a loop
    thread blocked on what only its loop could do is reported (DL106) and ends the run."""
    with tempfile.TemporaryDirectory() as tmp:
        status, findings, stderr = _run_cli(
            program, Path(tmp), "--loop-blocked", LOOP_BLOCKED_AFTER
        )
    definite = sorted({str(f["code"]) for f in findings if f["definite"]})
    expected = (0, []) if program.expect is None else (3, [LOOP_BLOCKED])
    assert (status, definite) == expected, f"{stderr}\n{json.dumps(findings, indent=1)[:4000]}"
