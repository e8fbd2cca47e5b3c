"""The one-shot import hook: a function runs right after a module's first import."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from aiodeadlock.onimport import after_import, cancel


@pytest.fixture
def module_dir(tmp_path: Path) -> object:
    (tmp_path / "adl_probe_mod.py").write_text("VALUE = 42\n", encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    sys.modules.pop("adl_probe_mod", None)


def test_runs_after_the_first_import_with_the_module_complete(module_dir: Path) -> None:
    seen: list[object] = []
    handle = after_import("adl_probe_mod", lambda: seen.append(sys.modules["adl_probe_mod"]))
    assert seen == [] and handle in sys.meta_path
    import adl_probe_mod  # type: ignore[import-not-found]

    assert seen == [adl_probe_mod] and adl_probe_mod.VALUE == 42
    assert handle not in sys.meta_path
    assert type(adl_probe_mod.__loader__).__module__ != "aiodeadlock.onimport"


def test_runs_at_once_when_already_imported() -> None:
    seen: list[int] = []
    assert after_import("json", lambda: seen.append(1)) is None
    assert seen == [1]


def test_cancel_forgets_it(module_dir: Path) -> None:
    seen: list[int] = []
    cancel(after_import("adl_probe_mod", lambda: seen.append(1)))
    import adl_probe_mod  # noqa: F401

    assert seen == []
