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
FILES = ["test_locks", "test_queues", "test_pep492", "test_tasks"]
TIMEOUT = 600.0


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
    findings = [
        f"{f.get('code')} {f.get('kind')}: {f.get('message')}\n{json.dumps(f, indent=1)[:1500]}"
        for f in result.instrumented.findings
    ]
    assert not findings, f"aiodeadlock reported {len(findings)} finding(s) on {name}:\n" + (
        "\n".join(findings)
    )


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
