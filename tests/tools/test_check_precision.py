"""tools/check_precision.py: runs, verdicts, precision and the report, without the network."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / "tools" / "check_precision.py"


def _load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_precision", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being created
    spec.loader.exec_module(module)
    return module


tool = _load_tool()

SELF_LOCK = textwrap.dedent(
    """\
    import asyncio

    LOCK = asyncio.Lock()


    async def f():
        async with LOCK:
            async with LOCK:
                pass
    """
)


def _result(findings: list[tuple[str, int, str]], exit_code: int = 1) -> object:
    run = tool.Run(0.5, exit_code, files=3)
    run.findings = [tool.Finding(p, line, code, "msg") for p, line, code in findings]
    return tool.Result("demo", "1.0", "a note", run, colds=[0.5, 0.7])


def test_run_check_reports_findings_relative_to_the_tree(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "app.py").write_text(SELF_LOCK)
    run = tool.run_check([Path("pkg")], tmp_path, tmp_path, cache=False, timeout=120)
    assert (run.exit_code, run.files, run.crashed) == (1, 2, False)
    assert [(f.path, f.line, f.code) for f in run.findings] == [("pkg/app.py", 8, "DL203")]
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    absolute = tool.run_check([pkg.resolve()], tmp_path, elsewhere, cache=True, timeout=120)
    assert [f.path for f in absolute.findings] == ["pkg/app.py"]
    assert (elsewhere / ".aiodeadlock-cache").is_dir()


def test_internal_errors_and_bad_exit_codes_are_crashes() -> None:
    assert tool.Run(1.0, 2).crashed
    broken = tool.Run(1.0, 1)
    broken.errors = ["aiodeadlock check: warning: x.py: KeyError: 'a'; skipped"]
    assert broken.crashed
    assert not tool.Run(1.0, 0).crashed


def test_verdicts_precision_and_report(monkeypatch: pytest.MonkeyPatch) -> None:
    verdicts = {
        ("demo-1.0", "a.py", 1, "DL203"): ("bug", "really hangs"),
        ("demo-1.0", "a.py", 2, "DL203"): ("true", "a test of the lock"),
        ("demo-1.0", "b.py", 3, "DL204"): ("false", "the locks differ"),
    }
    monkeypatch.setattr(tool, "VERDICTS", verdicts)
    judged = _result([("a.py", 1, "DL203"), ("a.py", 2, "DL203"), ("b.py", 3, "DL204")])
    assert tool.summary([judged]) == (3, 2, 1, 0)
    report = tool.markdown([judged])
    assert "| demo | 1.0 | 3 | 3 | DL203 2 (1)/0, DL204 0/1 | 0 | 0.60 (0.50-0.70) | - |" in report
    assert "precision 67%" in report
    assert "| demo | `b.py:3` DL204 | false | the locks differ |" in report
    assert not tool.ok([judged])  # 67% < 90%
    unjudged = _result([("a.py", 1, "DL203"), ("c.py", 9, "DL201")])
    assert tool.summary([unjudged]) == (2, 1, 0, 1)
    assert "UNJUDGED" in tool.markdown([unjudged])
    assert not tool.ok([unjudged])
    assert tool.ok([_result([("a.py", 1, "DL203")])])
    assert tool.ok([_result([], exit_code=0)])
    assert not tool.ok([_result([], exit_code=2)])


def test_recorded_verdicts_are_well_formed() -> None:
    for (project, path, line, code), (verdict, why) in tool.VERDICTS.items():
        assert project.startswith(("cpython-", *tool.LIBRARIES)), project
        assert not Path(path).is_absolute() and line > 0 and code.startswith("DL2")
        assert verdict in ("bug", "true", "false") and why


def test_project_names_are_checked() -> None:
    assert tool.parse_projects(None) == ["cpython", *tool.LIBRARIES]
    assert tool.parse_projects("aiohttp, cpython,aiohttp") == ["aiohttp", "cpython"]
    with pytest.raises(ValueError, match="nosuch"):
        tool.parse_projects("nosuch")


def test_list_prints_the_pins(capsys: pytest.CaptureFixture[str]) -> None:
    assert tool.main(["--list", "--projects", "redis"]) == 0
    assert capsys.readouterr().out.startswith(f"redis=={tool.LIBRARIES['redis'].version}: ")
    with pytest.raises(SystemExit):
        tool.main(["--repeat", "0", "--projects", "redis"])


def test_a_downloaded_wheel_is_unpacked_once(tmp_path: Path) -> None:
    import zipfile

    lib = tool.Library("1.2", ("demo",))
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    with zipfile.ZipFile(wheels / "demo_pkg-1.2-py3-none-any.whl", "w") as wheel:
        wheel.writestr("demo/__init__.py", "")
        wheel.writestr("demo/app.py", SELF_LOCK)
    tree = tool.fetch_library("demo-pkg", lib, tmp_path)
    assert (tree / "demo" / "app.py").read_text() == SELF_LOCK
    assert tool.fetch_library("demo-pkg", lib, tmp_path) == tree
