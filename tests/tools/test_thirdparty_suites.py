"""tools/thirdparty_suites.py: argument checks and outcome recording, without the network."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / "tools" / "thirdparty_suites.py"
SRC = REPO / "src"


def _load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("thirdparty_suites", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being created
    spec.loader.exec_module(module)
    return module


tool = _load_tool()

SUITE = textwrap.dedent(
    """\
    import pytest

    def test_ok():
        pass

    def test_fail():
        assert False

    @pytest.mark.skip(reason="no")
    def test_skip():
        pass

    @pytest.mark.xfail(strict=True)
    def test_xfail():
        assert False

    @pytest.fixture
    def broken_teardown():
        yield
        raise RuntimeError("teardown")

    def test_teardown(broken_teardown):
        pass

    @pytest.mark.parametrize("n", [1, 2])
    def test_param(n):
        pass
    """
)


def test_every_suite_is_pinned() -> None:
    for name, suite in tool.SUITES.items():
        assert suite.version.count(".") >= 1, name
        assert all("==" in req for req in suite.requires), name


def test_packages_default_dedup_and_unknown() -> None:
    assert tool.parse_packages(None) == list(tool.SUITES)
    assert tool.parse_packages("janus, aiorwlock,janus") == ["janus", "aiorwlock"]
    with pytest.raises(ValueError, match=r"unknown package.*nosuch"):
        tool.parse_packages("janus,nosuch")
    with pytest.raises(ValueError, match="none given"):
        tool.parse_packages(" , ")


@pytest.mark.parametrize(
    "argv", [["--packages", "nosuch"], ["--jobs", "0"], ["--timeout", "-1"], ["--bogus"]]
)
def test_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        tool.main(argv)
    assert exc.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_list_prints_pins(capsys: pytest.CaptureFixture[str]) -> None:
    assert tool.main(["--list", "--packages", "janus"]) == 0
    out = capsys.readouterr().out
    assert f"janus=={tool.SUITES['janus'].version}" in out


def test_options_kept_for_reruns() -> None:
    args = ("tests", "--ignore=tests/x.py", "-k", "not trio", "-m", "not network")
    kept = [a for i, a in enumerate(args) if tool._is_option(args, i)]
    assert kept == ["--ignore=tests/x.py", "-k", "not trio", "-m", "not network"]


def test_outcomes_recorded_plain_and_installed(tmp_path: Path) -> None:
    tree = tmp_path / "pkg"
    (tree / "tests").mkdir(parents=True)
    (tree / "tests" / "test_it.py").write_text(SUITE)
    suite = tool.Suite("0", (), own_timeout=True)  # pytest-timeout may be absent
    python = Path(sys.executable)
    plain = tool.run_pytest(python, tree, suite, "plain", 120, tmp_path, extra_path=[SRC])
    inst = tool.run_pytest(python, tree, suite, "installed", 120, tmp_path, extra_path=[SRC])
    expected = {
        "tests/test_it.py::test_ok": "ok",
        "tests/test_it.py::test_fail": "FAIL",
        "tests/test_it.py::test_skip": "skipped",
        "tests/test_it.py::test_xfail": "expected failure",
        "tests/test_it.py::test_teardown": "ok+ERROR",
        "tests/test_it.py::test_param[1]": "ok",
        "tests/test_it.py::test_param[2]": "ok",
    }
    assert plain.outcomes == expected, plain.output[-3000:]
    assert inst.outcomes == expected, inst.output[-3000:]
    assert not plain.installed
    assert inst.installed, inst.output[-3000:]
    assert inst.findings == []
    assert tool.diff_runs(plain, inst) == []
    again = tool.run_pytest(
        python, tree, suite, "plain", 120, tmp_path, ["tests/test_it.py::test_fail"]
    )
    assert again.outcomes == {"tests/test_it.py::test_fail": "FAIL"}


def _result(plain: dict[str, str], installed: dict[str, str], **kw: object) -> object:
    runs = [
        tool.Run([], mode, outcomes, returncode=rc)
        for mode, outcomes, rc in (
            (False, plain, 4 if not plain else 0),
            (True, installed, 4 if not installed else 0),
        )
    ]
    runs[1].installed = True
    return tool.SuiteResult("pkg", tool.Suite("1.0", ()), runs[0], runs[1], **kw)


def test_a_suite_that_starts_in_no_mode_is_skipped_not_failed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    collection_only = {"<collection>": "ERROR"}
    skipped = _result(collection_only, collection_only)
    assert skipped.skipped and skipped.ok()
    tool.print_report("python", "3.99", [skipped], verbose=False)
    assert "SKIPPED: no test ran, plainly or installed" in capsys.readouterr().out
    assert tool.as_json(skipped)["skipped"] is True
    # a suite that runs plainly but not installed is compared (its differences fail it)
    broken = _result({"tests/t.py::test_a": "ok"}, collection_only)
    assert not broken.skipped
    assert tool.diff_runs(broken.plain, broken.instrumented)
    # and one that fails to set up stays a failure
    unset = _result({}, {}, setup_error="pip failed")
    assert not unset.skipped and not unset.ok()
