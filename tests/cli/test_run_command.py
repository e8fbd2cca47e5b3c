"""`aiodeadlock run` runs a program exactly as `python` does, and rejects bad command lines."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from signals import default_signals, killed_after

TIMEOUT = 30.0
RUN = [sys.executable, "-m", "aiodeadlock", "run"]


@dataclass
class Result:
    """Exit status and output of one finished process."""

    returncode: int
    stdout: str
    stderr: str


def run(cmd: list[str], cwd: Path, timeout: float = TIMEOUT, stdin: str = "") -> Result:
    """Run `cmd` to completion (killed after `timeout` seconds, failing the test)."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        cmd,
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def both(args: list[str], cwd: Path, stdin: str = "") -> tuple[Result, Result]:
    """The same command line under plain python and under `aiodeadlock run`.

    The report goes to a file, so stderr holds only what the program wrote.
    """
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.txt")
        plain = run([sys.executable, *args], cwd, stdin=stdin)
        return plain, run([*RUN, "--output", report, *args], cwd, stdin=stdin)


def assert_same(args: list[str], cwd: Path, stdin: str = "") -> Result:
    """Assert `python ARGS` and `aiodeadlock run ARGS` behave identically; return the result."""
    plain, traced = both(args, cwd, stdin)
    assert traced.stdout == plain.stdout
    assert traced.stderr == plain.stderr
    assert traced.returncode == plain.returncode
    return traced


def write(path: Path, source: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    return path


IDENTITY = """
    '''The program's view of how it was started.'''
    import os
    import sys

    import __main__

    print("argv", sys.argv)
    print("name", __name__)
    print("file", __file__, __main__.__file__ == __file__)
    print("path0", sys.path[0])
    print("doc", __doc__)
    print("spec", __spec__ and (__spec__.name, __spec__.origin))
    print("main is module", sys.modules["__main__"] is __main__)
    print("builtins", type(__builtins__).__name__)
    print("loader", type(__loader__).__name__)
    print("cwd", os.getcwd())
    print("to stderr", file=sys.stderr)
"""


# -- the program runs as under python -------------------------------------------------


def test_script_identity_matches_python(tmp_path: Path) -> None:
    write(tmp_path / "pkg" / "prog.py", IDENTITY)
    result = assert_same(["pkg/prog.py", "a", "--format", "json", "-m", "x"], tmp_path)
    assert "argv ['pkg/prog.py', 'a', '--format', 'json', '-m', 'x']" in result.stdout
    assert f"path0 {tmp_path / 'pkg'}" in result.stdout
    assert "name __main__" in result.stdout


def test_script_by_absolute_path(tmp_path: Path) -> None:
    prog = write(tmp_path / "prog.py", IDENTITY)
    result = assert_same([str(prog)], tmp_path / "..")
    assert f"file {prog} True" in result.stdout


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinked_script_path0_is_the_targets_directory(tmp_path: Path) -> None:
    write(tmp_path / "real" / "helper.py", "NAME = 'helper next to the real script'\n")
    write(tmp_path / "real" / "prog.py", IDENTITY + "    import helper\n    print(helper.NAME)\n")
    (tmp_path / "bin").mkdir()
    os.symlink(tmp_path / "real" / "prog.py", tmp_path / "bin" / "prog")
    result = assert_same(["bin/prog"], tmp_path)
    assert f"path0 {tmp_path / 'real'}" in result.stdout
    assert "helper next to the real script" in result.stdout


def test_options_before_script_are_not_the_programs(tmp_path: Path) -> None:
    write(tmp_path / "prog.py", "import sys\nprint(sys.argv[1:])\n")
    out = tmp_path / "r.json"
    result = run([*RUN, "--format=json", "--output", str(out), "prog.py", "--format"], tmp_path)
    assert result.returncode == 0
    assert result.stdout == "['--format']\n"
    assert json.loads(out.read_text())["findings"] == []


def test_double_dash_ends_run_options(tmp_path: Path) -> None:
    write(tmp_path / "-prog.py", "import sys\nprint(sys.argv)\n")
    result = run([*RUN, "--", "-prog.py", "--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "['-prog.py', '--help']\n"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("print('ok')", 0),
        ("import sys\nsys.exit(5)", 5),
        ("import sys\nsys.exit(None)", 0),
        ("import sys\nprint('out')\nsys.exit('fatal: bad config')", 1),
        ("raise SystemExit(300)", 300 & 0xFF),
        ("import os, sys\nsys.stdout.flush()\nos._exit(7)", 7),
        ("import asyncio\nasync def f():\n    return 4\nraise SystemExit(asyncio.run(f()))", 4),
        ("import asyncio\nasync def f():\n    raise SystemExit(9)\nasyncio.run(f())", 9),
        ("raise KeyboardInterrupt", -signal.SIGINT),
        ("import atexit\natexit.register(print, 'bye')\nprint('hi')", 0),
        ("import sys\nsys.excepthook = lambda *a: print('hook', a[1])\nraise OSError(3)", 1),
        ("import inspect\ndef f():\n    return 1\nprint(inspect.getsource(f))", 0),
        ("import pickle\nclass P:\n    pass\nprint(type(pickle.loads(pickle.dumps(P()))))", 0),
        ("import sys\nprint(sys.stdin.read().upper())", 0),
    ],
    ids=[
        "zero",
        "exit-5",
        "exit-none",
        "exit-message",
        "exit-300",
        "os-exit",
        "asyncio",
        "exit-in-task",
        "raise-keyboardinterrupt",
        "atexit",
        "excepthook",
        "getsource",
        "pickle-main",
        "stdin",
    ],
)
def test_exit_status_and_output_match_python(tmp_path: Path, body: str, status: int) -> None:
    write(tmp_path / "prog.py", body + "\n")
    result = assert_same(["prog.py"], tmp_path, stdin="from stdin\n")
    assert result.returncode == status


def test_exit_message_goes_to_stderr(tmp_path: Path) -> None:
    write(tmp_path / "prog.py", "import sys\nsys.exit('fatal: bad config')\n")
    result = assert_same(["prog.py"], tmp_path)
    assert result.stderr == "fatal: bad config\n"


def test_uncaught_exception_traceback_matches_python(tmp_path: Path) -> None:
    write(
        tmp_path / "prog.py",
        """
        import asyncio


        class ConfigError(Exception):
            pass


        def load(name):
            try:
                return {}[name]
            except KeyError as exc:
                raise ConfigError(f"no setting {name!r}") from exc


        async def main():
            lock = asyncio.Lock()
            async with lock:
                load("port")


        print("starting")
        asyncio.run(main())
        """,
    )
    result = assert_same(["prog.py"], tmp_path)
    assert result.returncode == 1
    assert "The above exception was the direct cause" in result.stderr
    assert "aiodeadlock" not in result.stderr


def test_traceback_through_instrumented_lock_matches_python(tmp_path: Path) -> None:
    """No frame of aiodeadlock's patched methods shows in the program's traceback."""
    write(
        tmp_path / "prog.py",
        """
        import asyncio


        async def main():
            lock = asyncio.Lock()
            await lock.acquire()
            await asyncio.wait_for(lock.acquire(), 0.05)


        asyncio.run(main())
        """,
    )
    result = assert_same(["prog.py"], tmp_path)
    assert "TimeoutError" in result.stderr


@pytest.mark.skipif(sys.version_info < (3, 11), reason="TaskGroup is 3.11+")
def test_exception_group_traceback_matches_python(tmp_path: Path) -> None:
    write(
        tmp_path / "prog.py",
        """
        import asyncio


        async def fail(lock, n):
            async with lock:
                await asyncio.sleep(0.01)
                raise ValueError(n)


        async def main():
            lock = asyncio.Lock()
            async with asyncio.TaskGroup() as tg:
                for n in range(2):
                    tg.create_task(fail(lock, n))


        asyncio.run(main())
        """,
    )
    result = assert_same(["prog.py"], tmp_path)
    assert "ExceptionGroup" in result.stderr


def test_uncaught_exception_in_module_matches_python(tmp_path: Path) -> None:
    write(tmp_path / "tool.py", "import sys\nprint(sys.argv[1:])\nraise ValueError('nope')\n")
    result = assert_same(["-m", "tool", "x"], tmp_path)
    assert result.returncode == 1
    assert "ValueError: nope" in result.stderr


@pytest.mark.parametrize(
    "source",
    ["x = (\nprint(1)\n", "def f(:\n    pass\n", "if True:\nprint(1)\n", "print('a')\n\tx = 1\n"],
    ids=["unclosed", "bad-def", "indent", "tab"],
)
def test_syntax_error_reported_as_python_does(tmp_path: Path, source: str) -> None:
    (tmp_path / "prog.py").write_text(source, encoding="utf-8")
    result = assert_same(["prog.py"], tmp_path)
    assert result.returncode == 1
    assert "Error" in result.stderr.splitlines()[-1]
    assert "aiodeadlock" not in result.stderr


def test_warnings_match_python(tmp_path: Path) -> None:
    write(
        tmp_path / "prog.py",
        "import warnings\nwarnings.warn('old api', DeprecationWarning)\nwarnings.warn('hm')\n",
    )
    result = assert_same(["prog.py"], tmp_path)
    assert "DeprecationWarning: old api" in result.stderr
    assert "UserWarning: hm" in result.stderr


def test_module_with_args_matches_python(tmp_path: Path) -> None:
    write(tmp_path / "tool.py", IDENTITY)
    result = assert_same(["-m", "tool", "one", "-x"], tmp_path)
    assert f"path0 {tmp_path}" in result.stdout
    assert "argv [" in result.stdout and "'one', '-x']" in result.stdout


def test_package_main_matches_python(tmp_path: Path) -> None:
    write(tmp_path / "app" / "__init__.py", "print('init')\n")
    main = textwrap.dedent(IDENTITY) + "from . import helper\nprint(helper.X)\n"
    write(tmp_path / "app" / "__main__.py", main)
    write(tmp_path / "app" / "helper.py", "X = 42\n")
    result = assert_same(["-m", "app", "--verbose"], tmp_path)
    assert result.stdout.startswith("init\n")
    assert "42" in result.stdout


def test_missing_module_matches_python_status(tmp_path: Path) -> None:
    plain, traced = both(["-m", "no_such_module_here"], tmp_path)
    assert plain.returncode == 1
    assert traced.returncode in (1, 2)
    assert len(traced.stderr.strip().splitlines()) == 1
    assert "Traceback" not in traced.stderr


def test_deadlock_exits_3_with_report(tmp_path: Path) -> None:
    write(
        tmp_path / "prog.py",
        """
        import asyncio

        async def main():
            lock = asyncio.Lock()
            async with lock:
                print("first", flush=True)
                async with lock:
                    pass

        asyncio.run(main())
        """,
    )
    result = run([*RUN, "prog.py"], tmp_path)
    assert result.returncode == 3
    assert result.stdout == "first\n"
    assert "self-deadlock (DL101)" in result.stderr
    assert "Traceback" not in result.stderr
    out = tmp_path / "report.json"
    result = run([*RUN, "--format", "json", "--output", str(out), "prog.py"], tmp_path)
    assert result.returncode == 3
    assert result.stderr == ""
    report = json.loads(out.read_text())
    assert [f["kind"] for f in report["findings"]] == ["self-deadlock"]


def test_exit_mode_report_keeps_the_potential_findings_seen_before(tmp_path: Path) -> None:
    """The run ends at the deadlock (os._exit inside the lock): a lock-order inversion
    seen earlier on the run is in the report all the same, in both formats."""
    write(
        tmp_path / "prog.py",
        """
        import asyncio

        a, b = asyncio.Lock(), asyncio.Lock()

        async def ab():
            async with a:
                async with b:
                    pass

        async def ba():
            async with b:
                async with a:
                    pass

        async def main():
            await ab()
            await ba()  # the other order, later: no hang on this run
            print("inverted", flush=True)
            async with a:
                async with a:  # a self-deadlock ends the run here
                    pass

        asyncio.run(main())
        """,
    )
    result = run([*RUN, "prog.py"], tmp_path)
    assert (result.returncode, result.stdout) == (3, "inverted\n")
    assert "self-deadlock (DL101)" in result.stderr
    assert "potential deadlock: lock-order (DL104)" in result.stderr
    out = tmp_path / "report.json"
    result = run([*RUN, "--format", "json", "--output", str(out), "prog.py"], tmp_path)
    assert result.returncode == 3
    findings = json.loads(out.read_text())["findings"]
    assert [(f["kind"], f["definite"]) for f in findings] == [
        ("self-deadlock", True),
        ("lock-order", False),
    ]


def test_deadlock_in_module_run_with_dash_m(tmp_path: Path) -> None:
    tool = write(
        tmp_path / "tool.py",
        """
        import asyncio

        async def main():
            lock = asyncio.Lock()
            await lock.acquire()
            await lock.acquire()

        asyncio.run(main())
        """,
    )
    out = tmp_path / "r.json"
    result = run([*RUN, "--format", "json", "--output", str(out), "-m", "tool"], tmp_path)
    assert result.returncode == 3, result.stderr
    finding = json.loads(out.read_text())["findings"][0]
    assert finding["kind"] == "self-deadlock"
    assert os.path.samefile(finding["location"]["file"], tool)
    assert finding["location"]["line"] == 6


def test_report_file_written_when_nothing_found(tmp_path: Path) -> None:
    write(tmp_path / "prog.py", "print('fine')\n")
    out = tmp_path / "r.txt"
    result = run([*RUN, "--output", str(out), "prog.py"], tmp_path)
    assert result.returncode == 0
    assert out.exists()
    json_out = tmp_path / "r.json"
    run([*RUN, "--format", "json", "--output", str(json_out), "prog.py"], tmp_path)
    data = json.loads(json_out.read_text())
    assert data["format_version"] == 1
    assert data["findings"] == []


# -- Ctrl-C ---------------------------------------------------------------------------

SLEEPER = """
    import asyncio
    import sys


    async def main():
        lock = asyncio.Lock()
        async with lock:
            print("ready", flush=True)
            await asyncio.sleep(60)


    asyncio.run(main())
"""

PLAIN_SLEEPER = """
    import time

    print("ready", flush=True)
    time.sleep(60)
"""


def interrupt(cmd: list[str], cwd: Path) -> Result:
    """Start `cmd`, wait until it prints 'ready', send SIGINT, and collect the result."""
    proc = subprocess.Popen(
        default_signals(cmd),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        with killed_after(proc, TIMEOUT):
            line = proc.stdout.readline()
        assert line == "ready\n", line
        time.sleep(0.3)  # let it get from print() into the wait
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return Result(proc.returncode, line + out, err)


@pytest.mark.skipif(not hasattr(signal, "SIGINT"), reason="needs SIGINT")
@pytest.mark.parametrize("source", [SLEEPER, PLAIN_SLEEPER], ids=["asyncio", "plain"])
def test_ctrl_c_matches_python(tmp_path: Path, source: str) -> None:
    write(tmp_path / "prog.py", source)
    plain = interrupt([sys.executable, "prog.py"], tmp_path)
    traced = interrupt([*RUN, "--output", str(tmp_path / "r.txt"), "prog.py"], tmp_path)
    assert traced.returncode == plain.returncode
    assert traced.stdout == plain.stdout
    assert traced.stderr == plain.stderr
    assert plain.stderr.splitlines()[-1] == "KeyboardInterrupt"


# -- usage errors ---------------------------------------------------------------------


def assert_usage_error(args: list[str], cwd: Path, *, word: str) -> None:
    result = run([*RUN, *args], cwd)
    assert result.returncode == 2, result
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert word in lines[0]
    assert result.stdout == ""


def test_missing_script(tmp_path: Path) -> None:
    assert_usage_error(["nope.py"], tmp_path, word="nope.py")


def test_directory_as_script(tmp_path: Path) -> None:
    (tmp_path / "adir").mkdir()
    assert_usage_error(["adir"], tmp_path, word="adir")


def test_no_program(tmp_path: Path) -> None:
    assert_usage_error([], tmp_path, word="program")
    assert_usage_error(["--format", "json"], tmp_path, word="program")


def test_unknown_option(tmp_path: Path) -> None:
    write(tmp_path / "prog.py", "print(1)\n")
    assert_usage_error(["--frobnicate", "prog.py"], tmp_path, word="--frobnicate")


@pytest.mark.parametrize(
    ("option", "value"), [("--format", "xml"), ("--on-deadlock", "ignore")], ids=["fmt", "mode"]
)
def test_bad_choice(tmp_path: Path, option: str, value: str) -> None:
    write(tmp_path / "prog.py", "print(1)\n")
    assert_usage_error([option, value, "prog.py"], tmp_path, word=value)
    assert_usage_error([f"{option}={value}", "prog.py"], tmp_path, word=value)


def test_option_without_value(tmp_path: Path) -> None:
    assert_usage_error(["--format"], tmp_path, word="--format")


def test_missing_module_argument(tmp_path: Path) -> None:
    assert_usage_error(["-m"], tmp_path, word="-m")


def test_output_into_missing_directory(tmp_path: Path) -> None:
    write(tmp_path / "prog.py", "print(1)\n")
    assert_usage_error(
        ["--output", str(tmp_path / "no" / "r.json"), "prog.py"], tmp_path, word="r.json"
    )
    assert not (tmp_path / "no").exists()


def test_usage_error_does_not_run_the_program(tmp_path: Path) -> None:
    write(tmp_path / "prog.py", "open('ran', 'w').close()\n")
    run([*RUN, "--format", "xml", "prog.py"], tmp_path)
    assert not (tmp_path / "ran").exists()


# -- the command itself ---------------------------------------------------------------


def test_help(tmp_path: Path) -> None:
    result = run([*RUN, "--help"], tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("usage: aiodeadlock run")
    for option in ("--format", "--output", "--on-deadlock", "-m MODULE"):
        assert option in result.stdout
    assert run([*RUN, "-h"], tmp_path).stdout == result.stdout


def test_help_after_program_belongs_to_the_program(tmp_path: Path) -> None:
    write(tmp_path / "prog.py", "import sys\nprint(sys.argv[1:])\n")
    result = run([*RUN, "prog.py", "--help"], tmp_path)
    assert result.returncode == 0
    assert result.stdout == "['--help']\n"


def console_script() -> Path:
    name = "aiodeadlock.exe" if os.name == "nt" else "aiodeadlock"
    return Path(sys.executable).parent / name


@pytest.mark.skipif(not console_script().exists(), reason="console script not installed")
def test_console_script_same_as_python_m(tmp_path: Path) -> None:
    write(tmp_path / "prog.py", "import sys\nprint(sys.argv)\nsys.exit(6)\n")
    script = [str(console_script())]
    module = [sys.executable, "-m", "aiodeadlock"]
    for args in (["run", "--help"], ["run", "prog.py", "x"], ["run", "--format", "xml", "p.py"]):
        a = run([*script, *args], tmp_path)
        b = run([*module, *args], tmp_path)
        assert (a.returncode, a.stdout, a.stderr) == (b.returncode, b.stdout, b.stderr)
    assert run([*script, "run", "prog.py"], tmp_path).returncode == 6


def test_unknown_command(tmp_path: Path) -> None:
    result = run([sys.executable, "-m", "aiodeadlock", "frobnicate"], tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1


CYCLE = """
import asyncio

async def main():
    a, b = asyncio.Lock(), asyncio.Lock()

    async def take(first, second):
        async with first:
            await asyncio.sleep(0.01)
            async with second:  # line 10
                pass

    await asyncio.gather(take(a, b), take(b, a))

asyncio.run(main())
"""


@pytest.mark.parametrize(
    ("fmt", "opening", "drawing"),
    [("html", "<!DOCTYPE html>", "<svg"), ("dot", "digraph aiodeadlock {", "->")],
)
def test_run_writes_html_and_dot_reports(
    tmp_path: Path, fmt: str, opening: str, drawing: str
) -> None:
    (tmp_path / "prog.py").write_text(CYCLE, encoding="utf-8")
    out = tmp_path / f"report.{fmt}"
    result = run([*RUN, "--format", fmt, "--output", str(out), "prog.py"], tmp_path)
    assert result.returncode == 3, result.stderr
    assert result.stderr == ""
    text = out.read_text(encoding="utf-8")
    assert text.startswith(opening)
    assert drawing in text
    assert "prog.py:10" in text
    assert "wait-cycle" in text
