"""CPython's own asyncio tests pass with aiodeadlock installed exactly as they do without it."""

from __future__ import annotations

import importlib.util
import json
import sys
import sysconfig
from pathlib import Path
from types import ModuleType

import pytest

TOOL = Path(__file__).resolve().parents[2] / "tools" / "cpython_asyncio_compare.py"
FILES = [
    "test_locks",
    "test_queues",
    "test_pep492",
    "test_tasks",
    "test_taskgroups",  # 3.11+
    "test_timeouts",  # 3.11+
    "test_waitfor",
]
TIMEOUT = 180.0  # seconds per run; a run normally takes 1-40 s


def _load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cpython_asyncio_compare", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being created
    spec.loader.exec_module(module)
    return module


compare = _load_tool()
TEST_DIR = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_asyncio"


@pytest.mark.skipif(
    not (TEST_DIR / "__init__.py").is_file(), reason="this interpreter ships no test_asyncio"
)
@pytest.mark.parametrize("name", FILES)
def test_same_outcomes_and_no_findings(name: str) -> None:
    if not (TEST_DIR / f"{name}.py").is_file():
        pytest.skip(f"{name}.py is not in {TEST_DIR}")
    result = compare.compare_file(sys.executable, name, TIMEOUT)

    assert result.instrumented.installed, (
        "the sitecustomize did not install aiodeadlock:\n" + (result.instrumented.output[-3000:])
    )
    assert not result.plain.timed_out, result.plain.output[-3000:]
    assert result.plain.outcomes, f"no test of {name} ran:\n{result.plain.output[-3000:]}"
    diffs = [
        f"{d.test_id}: plain {d.plain!r}, installed {d.instrumented!r}\n{d.detail}"
        for d in result.confirmed
    ]
    assert not diffs, f"{len(diffs)} outcome(s) differ with aiodeadlock installed:\n" + "\n".join(
        diffs
    )
    definite = [_describe(f) for f in result.instrumented.definite]
    assert not definite, f"{len(definite)} definite finding(s) on {name}:\n" + "\n".join(definite)
    potential = [_describe(f) for f in result.instrumented.potential]
    assert not potential, f"{len(potential)} potential finding(s) on {name}:\n" + "\n".join(
        potential
    )


def _describe(finding: dict[str, object]) -> str:
    head = f"{finding.get('code')} {finding.get('kind')}: {finding.get('message')}"
    return f"{head}\n{json.dumps(finding, indent=1)[:1500]}"


def test_outcome_comparison_sees_differences() -> None:
    """The comparison itself: a changed, a missing and a skipped-for-another-reason outcome."""
    plain = compare.Run(["m"], instrumented=False)
    inst = compare.Run(["m"], instrumented=True)
    plain.outcomes = {"a": "ok", "b": "ok", "c": "skipped", "d": "FAIL"}
    inst.outcomes = {"a": "ok", "b": "ERROR", "c": "skipped", "e": "ok"}
    inst.details = {"b": "Traceback ..."}
    diffs = {d.test_id: (d.plain, d.instrumented, d.detail) for d in compare.diff_runs(plain, inst)}
    assert diffs == {
        "b": ("ok", "ERROR", "Traceback ..."),
        "d": ("FAIL", "not run", ""),
        "e": ("not run", "ok", ""),
    }
    inst.timed_out = True
    assert compare.diff_runs(plain, inst)[0].test_id == "<whole file>"


def test_an_internal_error_of_the_detector_is_a_difference() -> None:
    plain = compare.Run(["m"], instrumented=False)
    inst = compare.Run(["m"], instrumented=True)
    plain.outcomes = inst.outcomes = {"a": "ok"}
    inst.output = "test_a ... ok\naiodeadlock: internal error, detection disabled: TypeError: x\n"
    (diff,) = compare.diff_runs(plain, inst)
    assert (diff.test_id, diff.instrumented) == ("<detector>", "internal error")
    assert "TypeError: x" in diff.detail


PROBE = """\
import asyncio
import threading
import time
import unittest


class Probe(unittest.IsolatedAsyncioTestCase):
    async def test_self_deadlock_rescued_by_a_thread(self):
        lock = asyncio.Lock()
        loop = asyncio.get_running_loop()
        me = asyncio.current_task()

        def rescue():  # a waker the detector cannot see, so it judges the wait endless
            while not lock._waiters:  # until the task has parked
                time.sleep(0.001)
            loop.call_soon_threadsafe(me.cancel)

        async with lock:
            threading.Thread(target=rescue, daemon=True).start()
            with self.assertRaises(asyncio.CancelledError):
                await lock.acquire()  # DL101: this task holds it

    def test_plain(self):
        pass
"""


def test_harness_sees_findings(tmp_path: Path) -> None:
    """A test module that self-deadlocks (rescued by a thread) yields exactly one finding."""
    (tmp_path / "adl_compat_probe.py").write_text(PROBE)
    args = (sys.executable, ["adl_compat_probe"])
    plain = compare.run_tests(*args, instrumented=False, timeout=TIMEOUT, extra_path=[tmp_path])
    inst = compare.run_tests(*args, instrumented=True, timeout=TIMEOUT, extra_path=[tmp_path])
    assert inst.installed
    assert set(plain.outcomes.values()) == {"ok"}, plain.output
    assert compare.diff_runs(plain, inst) == [], inst.output
    assert [f["code"] for f in inst.findings] == ["DL101"], inst.findings
    assert plain.findings == []
