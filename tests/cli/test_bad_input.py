"""Bad input everywhere: command lines, config files, scripts, signals, dead streams.

Usage errors are one line on stderr and exit status 2, before the program runs; anything
else is the program's own behaviour. Never a traceback from aiodeadlock, never a lost
report. (Cases already in test_run_command.py / test_run_config.py / test_check_cli.py
are not repeated here.)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from signals import default_signals, killed_after

from aiodeadlock import api
from aiodeadlock.cli.main import main as cli_main

TIMEOUT = 30.0
AIODEADLOCK = [sys.executable, "-m", "aiodeadlock"]
RUN = [*AIODEADLOCK, "run"]
POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX signals and pipes")


def env() -> dict[str, str]:
    """The test's environment, with the program's stdout buffered as it normally is."""
    out = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    for name in ("PYTHONPATH", "PYTHONUNBUFFERED"):
        out.pop(name, None)
    return out


def run(cmd: list[str], cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        cmd, cwd=cwd, env=env(), capture_output=True, text=True, timeout=TIMEOUT, **kwargs
    )


def write(path: Path, source: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    return path


SELF_DEADLOCK = """
    import asyncio

    async def main():
        lock = asyncio.Lock()
        async with lock:
            print("ready", flush=True)
            async with lock:
                pass

    asyncio.run(main())
"""


@pytest.fixture
def in_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Work in tmp_path, with a harmless prog.py; detection is off again afterwards."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "prog.py", "open('ran', 'w').close()\n")
    yield tmp_path
    if api.installed():  # only if a usage error was missed and the program ran
        api.uninstall()


def one_line_error(capsys: pytest.CaptureFixture[str], status: int, *words: str) -> str:
    """Assert a usage error: status 2, one line on stderr naming `words`, nothing on stdout."""
    out, err = capsys.readouterr()
    assert status == 2, err
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in err
    return err


# -- command lines (in process: parsing happens before anything is installed) -----------

BAD_SECONDS = ["-1", "0", "-0.0", "nan", "NaN", "inf", "-inf", "1e400", "abc", "", "1s", "0x10"]


@pytest.mark.parametrize("value", BAD_SECONDS)
@pytest.mark.parametrize("option", ["--grace", "--loop-blocked", "--long-wait"])
def test_bad_number_of_seconds(
    in_dir: Path, capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    status = cli_main(["run", option, value, "prog.py"])
    one_line_error(capsys, status, option, repr(value))
    status = cli_main(["run", f"{option}={value}", "prog.py"])
    one_line_error(capsys, status, option)
    assert not (in_dir / "ran").exists()


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (["--strict=1", "prog.py"], "--strict=1"),
        (["--no-watchdog=yes", "prog.py"], "--no-watchdog=yes"),
        (["--dump-on-sigusr1=", "prog.py"], "--dump-on-sigusr1="),
        (["-x", "prog.py"], "-x"),
        (["--form", "json", "prog.py"], "--form"),  # no abbreviations
        (["--FORMAT", "json", "prog.py"], "--FORMAT"),
        (["--format=", "prog.py"], "''"),
        (["--on-deadlock=", "prog.py"], "''"),
        (["--format", "JSON", "prog.py"], "JSON"),
        (["--format", "sarif", "prog.py"], "sarif"),  # check's format, not run's
        (["--grace"], "--grace"),
        (["--output"], "--output"),
        (["--long-wait"], "--long-wait"),
        (["--on-deadlock"], "--on-deadlock"),
        (["--format", "--strict", "prog.py"], "--strict"),
    ],
)
def test_bad_run_command_lines(
    in_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], word: str
) -> None:
    one_line_error(capsys, cli_main(["run", *args]), word)
    assert not (in_dir / "ran").exists()


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (["--frob"], "--frob"),
        (["--format"], "--format"),
        (["--format", "yaml"], "yaml"),
        (["--select"], "--select"),
        (["--select", "DL201,nope"], "NOPE"),
        (["--ignore"], "--ignore"),
        (["-o"], "-o"),
        (["--no-cache=1"], "--no-cache"),
        (["--list-rules", "--frob"], "--frob"),
        (["--output", "missing/dir/report.txt", "prog.py"], "missing/dir/report.txt"),
        (["--output", ".", "prog.py"], "cannot write"),
        (["no_such_file.py"], "no_such_file.py"),
    ],
)
def test_bad_check_command_lines(
    in_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], word: str
) -> None:
    one_line_error(capsys, cli_main(["check", "--no-cache", *args]), word)


def test_report_path_is_a_directory(in_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (in_dir / "reports").mkdir()
    one_line_error(capsys, cli_main(["run", "--output", "reports", "prog.py"]), "directory")
    assert not (in_dir / "ran").exists()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_report_path_that_cannot_be_written(
    in_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["run", "--format", "json", "--output", "/dev/full", "prog.py"]
    one_line_error(capsys, cli_main(args), "/dev/full", "No space left")
    assert not (in_dir / "ran").exists()


# -- configuration files ----------------------------------------------------------------

BAD_RUN_TABLES = [
    ("tool = 3\n", "[tool] must be a table"),
    ("[tool]\naiodeadlock = 3\n", "[tool.aiodeadlock] must be a table"),
    ("[tool.aiodeadlock]\nrun = [1]\n", "must be a table"),
    ("[tool.aiodeadlock.run]\ngrace = -1\n", "grace"),
    ("[tool.aiodeadlock.run]\ngrace = 0\n", "grace"),
    ("[tool.aiodeadlock.run]\ngrace = nan\n", "grace"),
    ("[tool.aiodeadlock.run]\nloop-blocked = inf\n", "loop-blocked"),
    ("[tool.aiodeadlock.run]\nlong-wait = -inf\n", "long-wait"),
    ("[tool.aiodeadlock.run]\ngrace = 1" + "0" * 400 + "\n", "grace"),
    ('[tool.aiodeadlock.run]\nloop-blocked = "1"\n', "loop-blocked"),
    ("[tool.aiodeadlock.run]\nlong-wait = false\n", "long-wait"),
    ("[tool.aiodeadlock.run]\noutput = 3\n", "output"),
    ("[tool.aiodeadlock.run]\non-deadlock = true\n", "on-deadlock"),
    ('[tool.aiodeadlock.run]\non_deadlock = "exit"\n', "unknown key"),
    ('[tool.aiodeadlock.run]\nformat = ["json"]\n', "format"),
    ("[tool.aiodeadlock.run]\nno-watchdog = 1\n", "no-watchdog"),
    ("[tool.aiodeadlock.run]\n[tool.aiodeadlock.run.extra]\n", "unknown key"),
    ("[tool.aiodeadlock.run]\ngrace = 1\ngrace = 2\n", "invalid TOML"),
    ("\xff\xfe[tool]\n", "cannot read"),
]


@pytest.mark.parametrize(("text", "word"), BAD_RUN_TABLES)
def test_bad_run_config(
    in_dir: Path, capsys: pytest.CaptureFixture[str], text: str, word: str
) -> None:
    data = text.encode("latin-1") if text.startswith("\xff") else text.encode()
    (in_dir / "pyproject.toml").write_bytes(data)
    err = one_line_error(capsys, cli_main(["run", "prog.py"]), word)
    assert "pyproject.toml" in err
    assert not (in_dir / "ran").exists()


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("tool = 3\n", "[tool] must be a table"),
        ("[tool]\naiodeadlock = 3\n", "[tool.aiodeadlock] must be a table"),
        ("[tool.aiodeadlock\n", "cannot read"),
        ("\xff\xfe[tool]\n", "cannot read"),
        ("[tool.aiodeadlock]\nexclude = [1]\n", "exclude"),
        ('[tool.aiodeadlock]\nper-file-ignores = {"a.py" = "DL201"}\n', "per-file-ignores"),
        ("[tool.aiodeadlock]\nlock-types = 3\n", "lock-types"),
        ('[tool.aiodeadlock]\nlock-types = {"bad name" = "asyncio.Lock"}\n', "bad name"),
        ('[tool.aiodeadlock]\nignore = ["DL2", 3]\n', "ignore"),
        ('[tool.aiodeadlock]\nselect = []\nSelect = ["DL2"]\n', "Select"),
    ],
)
def test_bad_check_config(
    in_dir: Path, capsys: pytest.CaptureFixture[str], text: str, word: str
) -> None:
    data = text.encode("latin-1") if text.startswith("\xff") else text.encode()
    (in_dir / "pyproject.toml").write_bytes(data)
    err = one_line_error(capsys, cli_main(["check", "--no-cache", "prog.py"]), word)
    assert "pyproject.toml" in err


def test_the_checker_ignores_the_run_table_and_run_ignores_the_checkers(
    in_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_dir / "pyproject.toml").write_text(
        '[tool.aiodeadlock]\nselect = ["DL2"]\n[tool.aiodeadlock.run]\ngrace = 2\n'
    )
    assert cli_main(["check", "--no-cache", "prog.py"]) == 0
    capsys.readouterr()
    (in_dir / "pyproject.toml").write_text("[tool.aiodeadlock.run]\ngrace = -2\n")
    assert cli_main(["check", "--no-cache", "prog.py"]) == 0


def test_a_directory_named_pyproject_toml_is_not_a_config(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").mkdir()
    write(tmp_path / "prog.py", "print('ran')\n")
    result = run([*RUN, "prog.py"], tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "ran\n", "")
    result = run([*AIODEADLOCK, "check", "--no-cache", "prog.py"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads a chmod 000 file"
)
def test_unreadable_pyproject(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text("[tool.aiodeadlock.run]\nstrict = true\n")
    write(tmp_path / "prog.py", "print('ran')\n")
    config.chmod(0)
    try:
        for cmd in ([*RUN, "prog.py"], [*AIODEADLOCK, "check", "--no-cache", "prog.py"]):
            result = run(cmd, tmp_path)
            assert result.returncode == 2
            assert len(result.stderr.splitlines()) == 1, result.stderr
            assert "pyproject.toml" in result.stderr
            assert result.stdout == ""
    finally:
        config.chmod(0o644)


# -- scripts that are not Python ---------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)) * 8,
        b"import asyncio\x00\x00\nasync def f(): pass\n",
        b"x = '\xff\xfe'\n",
        b"# -*- coding: no-such-codec -*-\nprint(1)\n",
    ],
    ids=["garbage", "null-bytes", "not-utf8", "bad-coding"],
)
def test_script_that_is_not_python(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "prog.py").write_bytes(content)
    plain = run([sys.executable, "prog.py"], tmp_path)
    traced = run([*RUN, "prog.py"], tmp_path)
    assert traced.returncode == plain.returncode == 1
    assert traced.stdout == ""
    assert "Traceback" not in traced.stderr
    assert traced.stderr.splitlines()[-1].startswith("SyntaxError: "), traced.stderr


def test_script_that_is_a_device_runs_as_an_empty_program(tmp_path: Path) -> None:
    result = run([*RUN, "/dev/null"], tmp_path)  # an empty program, as under python
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


# -- how the program ends ----------------------------------------------------------------

EXITS = """
    import asyncio
    import os
    import sys

    how, status = sys.argv[1], int(sys.argv[2])


    async def cycle(a, b):
        async with a:
            await asyncio.sleep(0.05)
            async with b:
                pass


    def deadlock():  # two tasks in a lock-order cycle, referenced by nobody else
        a, b = asyncio.Lock(), asyncio.Lock()
        asyncio.create_task(cycle(a, b), name="one")
        asyncio.create_task(cycle(b, a), name="two")


    async def main():
        if "deadlock" in how:
            deadlock()
        await asyncio.sleep(0.3)
        print("ending", flush=True)
        if how.startswith("os"):
            os._exit(status)

        async def quit():
            sys.exit(status)

        await asyncio.create_task(quit())


    asyncio.run(main())
"""


@pytest.mark.parametrize("how", ["os", "sys", "os-deadlock", "sys-deadlock"])
@pytest.mark.parametrize("mode", ["exit", "report"])
def test_program_exit_status_and_report(tmp_path: Path, how: str, mode: str) -> None:
    """os._exit(n) / sys.exit(n) in a task: status n and the report so far, unless a
    deadlock ended the run first (exit mode: 3)."""
    write(tmp_path / "prog.py", EXITS)
    report = tmp_path / "r.json"
    args = ["--format", "json", "--on-deadlock", mode, "--output", str(report), "prog.py"]
    result = run([*RUN, *args, how, "7"], tmp_path)
    deadlock = "deadlock" in how
    assert "Traceback" not in result.stderr
    if deadlock and mode == "exit":
        assert (result.returncode, result.stdout) == (3, "")
    else:
        assert (result.returncode, result.stdout) == (7, "ending\n")
    kinds = [f["kind"] for f in json.loads(report.read_text())["findings"]]
    # sys.exit: the end-of-run report adds the lock-order inversion behind the cycle
    ended = how == "sys-deadlock" and mode == "report"
    expected = ["wait-cycle", "lock-order"] if ended else ["wait-cycle"]
    assert kinds == (expected if deadlock else [])


def test_relative_report_path_survives_a_change_of_directory(tmp_path: Path) -> None:
    write(
        tmp_path / "prog.py",
        "import os\nos.chdir('elsewhere')\n" + textwrap.dedent(SELF_DEADLOCK),
    )
    (tmp_path / "elsewhere").mkdir()
    result = run([*RUN, "--output", "r.txt", "prog.py"], tmp_path)
    assert result.returncode == 3
    assert "self-deadlock (DL101)" in (tmp_path / "r.txt").read_text()
    assert not (tmp_path / "elsewhere" / "r.txt").exists()


# -- output: flushed, never lost ---------------------------------------------------------

FLOOD = """
    import asyncio
    import contextlib
    import io
    import sys


    async def main():
        for i in range(int(sys.argv[1])):
            print(f"line {i}")
        sys.stderr.write("program's own stderr\\n")
        with contextlib.redirect_stdout(io.StringIO()):  # the real stdout is still buffered
            lock = asyncio.Lock()
            async with lock:
                async with lock:
                    pass


    asyncio.run(main())
"""


@pytest.mark.parametrize("lines", [3, 100_000])
def test_program_output_is_flushed_before_exit_3(tmp_path: Path, lines: int) -> None:
    write(tmp_path / "prog.py", FLOOD)
    report = tmp_path / "r.txt"
    result = run([*RUN, "--output", str(report), "prog.py", str(lines)], tmp_path)
    assert result.returncode == 3
    assert result.stdout == "".join(f"line {i}\n" for i in range(lines))
    assert result.stderr == "program's own stderr\n"
    text = report.read_text()
    assert text.startswith("aiodeadlock: deadlock detected: self-deadlock (DL101)\n")
    assert text.endswith("in main\n")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_report_file_that_fails_mid_run_goes_to_stderr(tmp_path: Path) -> None:
    write(tmp_path / "prog.py", SELF_DEADLOCK)
    result = run([*RUN, "--output", "/dev/full", "prog.py"], tmp_path)
    assert result.returncode == 3
    lines = result.stderr.splitlines()
    assert "cannot write the report to '/dev/full'" in lines[0]
    assert lines[1] == "aiodeadlock: deadlock detected: self-deadlock (DL101)"
    assert "Traceback" not in result.stderr


@POSIX
def test_stdout_closed_by_the_reader(tmp_path: Path) -> None:
    """`aiodeadlock run prog.py | head -1`: the program's own BrokenPipeError, as in python."""
    write(
        tmp_path / "prog.py",
        "import time\nprint('first', flush=True)\ntime.sleep(0.5)\nprint('x' * 100000)\n",
    )
    outcomes = []
    for cmd in ([sys.executable, "prog.py"], [*RUN, "prog.py"]):
        proc = subprocess.Popen(
            cmd, cwd=tmp_path, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert proc.stdout is not None
        first = proc.stdout.readline()
        proc.stdout.close()  # like `| head -1`
        _, err = proc.communicate(timeout=TIMEOUT)
        outcomes.append((proc.returncode, first, err.decode().splitlines()[-1:]))
    assert outcomes[1] == outcomes[0]
    assert outcomes[0][2] == ["BrokenPipeError: [Errno 32] Broken pipe"]


@POSIX
@pytest.mark.parametrize("stderr", ["broken-pipe", "closed"])
def test_deadlock_with_a_dead_stderr_still_exits_3(tmp_path: Path, stderr: str) -> None:
    write(tmp_path / "prog.py", SELF_DEADLOCK)
    if stderr == "closed":
        result = subprocess.run(
            [*RUN, "prog.py"],
            cwd=tmp_path,
            env=env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            pass_fds=(),
            timeout=TIMEOUT,
            preexec_fn=lambda: os.close(2),
        )
    else:
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            result = subprocess.run(
                [*RUN, "prog.py"],
                cwd=tmp_path,
                env=env(),
                stdout=subprocess.PIPE,
                stderr=write_end,
                timeout=TIMEOUT,
            )
        finally:
            os.close(write_end)
    assert result.returncode == 3
    assert result.stdout == b"ready\n"


# -- signals -----------------------------------------------------------------------------


def start(cmd: list[str], cwd: Path, **kwargs: object) -> tuple[subprocess.Popen[bytes], bytes]:
    """Start `cmd` and wait for its first line of output ('ready')."""
    proc = subprocess.Popen(  # type: ignore[call-overload]
        default_signals(cmd), cwd=cwd, env=env(), stdout=subprocess.PIPE, **kwargs
    )
    assert proc.stdout is not None
    try:
        with killed_after(proc, TIMEOUT):
            line = proc.stdout.readline()
    except BaseException:
        proc.kill()
        raise
    assert line == b"ready\n", line
    return proc, line


def finish(proc: subprocess.Popen[bytes]) -> int:
    try:
        proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode


@POSIX
@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_signal_while_deadlocked_in_report_mode(tmp_path: Path, sig: str) -> None:
    """The program goes on waiting after the report; a signal then ends it as in python."""
    write(tmp_path / "prog.py", SELF_DEADLOCK)
    report = tmp_path / "r.txt"
    proc, _ = start(
        [*RUN, "--on-deadlock", "report", "--output", str(report), "prog.py"],
        tmp_path,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + TIMEOUT
    while "self-deadlock" not in report.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(getattr(signal, sig))
    status = finish(proc)
    assert status == -getattr(signal, sig)
    assert report.read_text().startswith("aiodeadlock: deadlock detected: self-deadlock")


FILL_STDERR = """
    import asyncio
    import os
    import sys


    async def main():
        os.write(2, b"x" * int(sys.argv[1]))  # the stderr pipe is full now
        lock = asyncio.Lock()
        async with lock:
            print("ready", flush=True)
            async with lock:  # the report blocks on the full pipe
                pass


    # Not asyncio.run(), whose own SIGINT handler would only cancel the main task.
    asyncio.new_event_loop().run_until_complete(main())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs F_GETPIPE_SZ")
@pytest.mark.parametrize("mode", ["exit", "report"])
def test_ctrl_c_while_the_report_is_written(tmp_path: Path, mode: str) -> None:
    """Ctrl-C during the report: the report is still written whole; then exit mode exits
    with status 3 and report mode dies of the Ctrl-C, as the program would."""
    import fcntl

    write(tmp_path / "prog.py", FILL_STDERR)
    read_end, write_end = os.pipe()
    size = fcntl.fcntl(write_end, fcntl.F_GETPIPE_SZ)
    try:
        proc, _ = start(
            [*RUN, "--on-deadlock", mode, "prog.py", str(size)], tmp_path, stderr=write_end
        )
    finally:
        os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        try:
            time.sleep(0.3)  # into the blocked write of the report
            proc.send_signal(signal.SIGINT)
            time.sleep(0.2)
            with killed_after(proc, TIMEOUT):
                err = pipe.read()[size:].decode()
        finally:
            status = finish(proc)
    report = "\n".join(line for line in err.splitlines() if line.startswith(("aiodeadlock:", "  ")))
    assert report.startswith("aiodeadlock: deadlock detected: self-deadlock (DL101)\n")
    assert "prog.py:11 in main" in report
    if mode == "exit":
        assert status == 3
        assert "KeyboardInterrupt" not in err
    else:
        assert status == -signal.SIGINT
        assert err.rstrip().endswith("KeyboardInterrupt")
        assert "aiodeadlock/" not in err  # no frame of ours in the traceback


# -- the pytest plugin's options ---------------------------------------------------------


#: The plugin by module name, whether or not this installation has its entry point.
PLUGIN = ["-p", "no:aiodeadlock", "-p", "aiodeadlock.pytest_plugin"]


@pytest.mark.parametrize(
    ("args", "ini", "message"),
    [
        (["--aiodeadlock", "--aiodeadlock-grace=-1"], "", "must be a positive number"),
        (["--aiodeadlock", "--aiodeadlock-grace=abc"], "", "argument --aiodeadlock-grace"),
        (["--aiodeadlock"], "aiodeadlock_grace = nan\n", "must be a positive number"),
        ([], "aiodeadlock = maybe\n", "invalid truth value"),
    ],
    ids=["negative", "not-a-number", "ini-nan", "ini-not-a-bool"],
)
def test_bad_plugin_options_are_usage_errors(
    tmp_path: Path, args: list[str], ini: str, message: str
) -> None:
    write(tmp_path / "test_x.py", "def test_x():\n    pass\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\n" + ini)
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *PLUGIN]
    result = run([*cmd, *args, "test_x.py"], tmp_path)
    assert result.returncode == 4, result.stdout + result.stderr  # pytest's usage error
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
