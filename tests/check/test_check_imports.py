"""`aiodeadlock check` loads neither asyncio nor the runtime detector (startup time)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

_FORBIDDEN = ("asyncio", "aiodeadlock.runtime", "aiodeadlock.instrument", "aiodeadlock.api")

_REPORT = textwrap.dedent(
    """\
    import json, sys
    forbidden = {forbidden!r}
    loaded = sorted(
        m for m in sys.modules if any(m == f or m.startswith(f + ".") for f in forbidden)
    )
    print(json.dumps(loaded))
    """
).format(forbidden=_FORBIDDEN)


def _loaded_after(prelude: str, cwd: Path) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-c", prelude + "\n" + _REPORT],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )
    assert proc.returncode == 0, proc.stderr
    loaded: list[str] = json.loads(proc.stdout.splitlines()[-1])
    return loaded


def test_importing_the_check_cli_loads_no_runtime(tmp_path: Path) -> None:
    assert _loaded_after("import aiodeadlock.check.cli", tmp_path) == []


def test_check_help_through_the_console_entry_loads_no_runtime(tmp_path: Path) -> None:
    prelude = textwrap.dedent(
        """\
        import contextlib, io
        from aiodeadlock.cli.main import main
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["check", "--help"]) == 0
        """
    )
    assert _loaded_after(prelude, tmp_path) == []


def test_a_whole_check_in_worker_processes_loads_no_runtime(tmp_path: Path) -> None:
    # enough files for pass 1 to use worker processes as well
    for i in range(80):
        (tmp_path / f"m{i}.py").write_text(
            "import asyncio\nL = asyncio.Lock()\n\n\nasync def f():\n    async with L:\n"
            "        async with L:\n            pass\n"
        )
    prelude = textwrap.dedent(
        """\
        import contextlib, io
        from aiodeadlock.check.cli import main
        with contextlib.redirect_stdout(io.StringIO()) as out:
            code = main(["--no-cache", "."])
        assert code == 1, (code, out.getvalue()[-500:])
        assert "80 files checked (80 analysed" in out.getvalue(), out.getvalue()[-300:]
        """
    )
    assert _loaded_after(prelude, tmp_path) == []
