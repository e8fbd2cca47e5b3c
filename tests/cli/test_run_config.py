"""`[tool.aiodeadlock.run]` defaults: read, validated, overridden by the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiodeadlock.cli import run_config
from aiodeadlock.cli.run_command import parse


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(text)
    sub = tmp_path / "sub"
    sub.mkdir()
    return sub


def test_values_are_read_from_the_nearest_pyproject(tmp_path: Path) -> None:
    sub = write(tmp_path, '[tool.aiodeadlock.run]\nstrict = true\ngrace = 2\nformat = "json"\n')
    assert run_config.load(sub) == {"strict": True, "grace": 2.0, "format": "json"}


def test_command_line_wins_over_the_file(tmp_path: Path) -> None:
    sub = write(tmp_path, '[tool.aiodeadlock.run]\nformat = "json"\ngrace = 3\n')
    opts = parse(["--format", "text", "app.py"], run_config.load(sub))
    assert opts.format == "text"
    assert opts.grace == "3.0"
    assert opts.script == "app.py"


def test_a_pyproject_without_the_table_means_no_defaults(tmp_path: Path) -> None:
    sub = write(tmp_path, '[tool.other]\nstrict = "anything"\n')
    assert run_config.load(sub) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[tool.aiodeadlock.run]\nstrict = "yes"\n', "expected a bool"),
        ("[tool.aiodeadlock.run]\ngrace = true\n", "expected a float"),
        ('[tool.aiodeadlock.run]\nformat = "xml"\n', "not one of text, json"),
        ("[tool.aiodeadlock.run]\ncolour = 1\n", "unknown key"),
        ("[tool.aiodeadlock.run\n", "invalid TOML"),
        ("[tool.aiodeadlock]\nrun = 3\n", "must be a table"),
    ],
)
def test_bad_values_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    sub = write(tmp_path, text)
    with pytest.raises(run_config.ConfigError, match=message) as info:
        run_config.load(sub)
    assert "\n" not in str(info.value)
