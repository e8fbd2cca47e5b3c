"""`aiodeadlock run -m pytest`: pytest runs under the detector like any other program."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_pytest_with_warnings_as_errors_starts(tmp_path: Path) -> None:
    """The package is imported before pytest marks its plugins for assertion rewriting; a
    warning about that would stop a project with `filterwarnings = error` from starting."""
    (tmp_path / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n", encoding="utf-8")
    (tmp_path / "test_one.py").write_text("def test_one():\n    assert 1 + 1 == 2\n")
    cmd = [sys.executable, "-m", "aiodeadlock", "run", "-m", "pytest", "-q"]
    cmd += ["-p", "no:cacheprovider", "-p", "no:asyncio"]  # (its own config warning)
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout
