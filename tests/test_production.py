"""Production mode: AIODEADLOCK and AIODEADLOCK_OPTIONS read, validated, and acted on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from aiodeadlock.config import Config
from aiodeadlock.errors import ConfigError
from aiodeadlock.production import config_from, settings

TIMEOUT = 30.0


@pytest.mark.parametrize("value", ["", "  ", "0", "off", "No", "false", "none"])
def test_unset_or_off_means_no_detector(value: str, tmp_path: Path) -> None:
    assert config_from({"AIODEADLOCK": value}, tmp_path) is None
    assert config_from({}, tmp_path) is None


def test_log_mode_writes_nothing_and_logs(tmp_path: Path) -> None:
    config = config_from({"AIODEADLOCK": "log"}, tmp_path)
    assert config is not None
    assert (config.on_deadlock, config.output) == ("log", None)


def test_raise_mode_logs_then_raises_and_writes_nothing_unless_asked(tmp_path: Path) -> None:
    config = config_from({"AIODEADLOCK": "raise"}, tmp_path)
    assert config is not None
    assert (config.on_deadlock, config.log, config.output) == ("raise", True, None)
    config = config_from({"AIODEADLOCK": "raise", "AIODEADLOCK_OPTIONS": "--output -"}, tmp_path)
    assert config is not None and config.output == "-"


def test_exit_and_report_modes_write_to_stderr_by_default(tmp_path: Path) -> None:
    for mode in ("exit", "report", " EXIT "):
        config = config_from({"AIODEADLOCK": mode}, tmp_path)
        assert config is not None
        assert (config.on_deadlock, config.output, config.log) == (mode.strip().lower(), "-", False)


def test_options_by_run_option_names_with_or_without_dashes(tmp_path: Path) -> None:
    env = {
        "AIODEADLOCK": "report",
        "AIODEADLOCK_OPTIONS": "--grace 2.5 long-wait=30 --no-watchdog --format=json",
    }
    config = config_from(env, tmp_path)
    assert config == Config(
        on_deadlock="report", format="json", output="-", grace=2.5, watchdog=None, long_wait=30.0
    )


def test_the_variable_wins_over_on_deadlock_in_the_options(tmp_path: Path) -> None:
    env = {"AIODEADLOCK": "log", "AIODEADLOCK_OPTIONS": "--on-deadlock exit"}
    config = config_from(env, tmp_path)
    assert config is not None and config.on_deadlock == "log"


def test_pyproject_settings_apply_and_the_environment_overrides_them(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.aiodeadlock.run]\ngrace = 3\nlong-wait = 10\n", encoding="utf-8"
    )
    values = settings({"AIODEADLOCK": "log", "AIODEADLOCK_OPTIONS": "--grace 0.5"}, tmp_path)
    assert values is not None
    assert (values["grace"], values["long_wait"]) == (0.5, 10.0)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"AIODEADLOCK": "loud"}, "AIODEADLOCK='loud' is not one of exit, raise, report, log"),
        (
            {"AIODEADLOCK": "log", "AIODEADLOCK_OPTIONS": "--grace=-1"},
            "AIODEADLOCK_OPTIONS: grace must be a positive number of seconds, got '-1'",
        ),
        (
            {"AIODEADLOCK": "log", "AIODEADLOCK_OPTIONS": "--colour red"},
            "AIODEADLOCK_OPTIONS: unknown option '--colour'",
        ),
        (
            {"AIODEADLOCK": "log", "AIODEADLOCK_OPTIONS": "--grace"},
            "AIODEADLOCK_OPTIONS: option grace expects a value",
        ),
        (
            {"AIODEADLOCK": "log", "AIODEADLOCK_OPTIONS": "--format pdf"},
            "AIODEADLOCK_OPTIONS: format: 'pdf' is not one of",
        ),
        (
            {"AIODEADLOCK": "log", "AIODEADLOCK_OPTIONS": "--grace 'unclosed"},
            "AIODEADLOCK_OPTIONS: No closing quotation",
        ),
    ],
)
def test_bad_settings_are_config_errors(env: dict[str, str], message: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        config_from(env, tmp_path)
    assert str(info.value).startswith(message)


# -- in a real process: the startup module, as the .pth hook imports it -----------------

DEADLOCKS_THEN_SERVES = """
import asyncio, sys

async def main():
    lock = asyncio.Lock()

    async def handler():
        try:
            async with lock:
                async with lock:  # line 10: the second acquire never returns
                    pass
        except RuntimeError as exc:  # aiodeadlock.DeadlockError in raise mode
            print("recovered:", type(exc).__name__, flush=True)

    asyncio.create_task(handler())
    for beat in range(400):  # the service keeps serving for 20 s at most
        await asyncio.sleep(0.05)
        if beat == 10:
            print("serving", flush=True)

asyncio.run(main())
"""


def _start_program(
    tmp_path: Path, env: dict[str, str], python: str = sys.executable, hook: bool = True
) -> subprocess.Popen[str]:
    prog = tmp_path / "service.py"
    prog.write_text(DEADLOCKS_THEN_SERVES, encoding="utf-8")
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("AIODEADLOCK")}
    full_env.update(env)
    # the editable install of the test run has no .pth: import the hook's module as it would
    cmd = [python, "-c", "import aiodeadlock.startup; import runpy; runpy.run_path('service.py')"]
    if not hook:
        cmd = [python, "service.py"]
    return subprocess.Popen(
        cmd,
        cwd=tmp_path,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _lines_until(proc: subprocess.Popen[str], wanted: str) -> tuple[list[str], list[str]]:
    """Read stdout until a line starts with `wanted`, then stop the process; both streams."""
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate(timeout=TIMEOUT)
        pytest.fail(f"the program ran past {TIMEOUT}s: {out!r} {err!r}")
    assert any(line.startswith(wanted) for line in out.splitlines()), (out, err)
    return out.splitlines(), err.splitlines()


def test_log_mode_logs_one_json_record_and_the_program_goes_on(tmp_path: Path) -> None:
    out, err = _lines_until(_start_program(tmp_path, {"AIODEADLOCK": "log"}), "serving")
    assert "recovered: DeadlockError" not in out  # nothing raised: the handler just waits
    records = [json.loads(line) for line in err if line.startswith("{")]
    assert [r["aiodeadlock"]["code"] for r in records] == ["DL101"], err
    finding = records[0]["aiodeadlock"]
    assert finding["definite"] is True
    assert finding["location"]["line"] == 10
    assert finding["location"]["file"].endswith("service.py")


def test_raise_mode_logs_then_the_waiting_task_recovers(tmp_path: Path) -> None:
    out, err = _lines_until(_start_program(tmp_path, {"AIODEADLOCK": "raise"}), "serving")
    assert "recovered: DeadlockError" in out
    records = [json.loads(line) for line in err if line.startswith("{")]
    assert [r["aiodeadlock"]["kind"] for r in records] == ["self-deadlock"], err


def test_a_bad_value_is_one_warning_and_the_program_runs_unchanged(tmp_path: Path) -> None:
    proc = _start_program(tmp_path, {"AIODEADLOCK": "log", "AIODEADLOCK_OPTIONS": "--grace=0"})
    try:
        out, err = proc.communicate(timeout=5)
    except subprocess.TimeoutExpired:  # no detector: the handler waits, the service serves
        proc.kill()
        out, err = proc.communicate(timeout=TIMEOUT)
    assert err.splitlines() == [
        "aiodeadlock: warning: AIODEADLOCK_OPTIONS: grace must be a positive number of "
        "seconds, got '0'; detection is off"
    ]
    assert "recovered" not in out


def test_unset_variable_starts_nothing(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import sys, aiodeadlock.startup
        print(aiodeadlock.startup.STARTED, 'asyncio' in sys.modules)
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIODEADLOCK")}
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=TIMEOUT
    )
    assert (proc.stdout, proc.stderr) == ("False False\n", "")


def _child(code: str, tmp_path: Path) -> tuple[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIODEADLOCK")}
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**env, "AIODEADLOCK": "log"},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=tmp_path,
    )
    return proc.stdout, proc.stderr


def test_detection_starts_when_asyncio_is_first_imported(tmp_path: Path) -> None:
    out = _child(
        """
        import sys, aiodeadlock.startup
        print(aiodeadlock.startup.STARTED, 'asyncio' in sys.modules)
        import json  # a process that never imports asyncio stops here, unchanged
        import asyncio.events
        print('aiodeadlock' in asyncio.Lock.acquire.__code__.co_filename)
        from aiodeadlock import api
        print(api.installed())
        """,
        tmp_path,
    )
    assert out == ("True False\nTrue\nTrue\n", "")


def test_detection_starts_when_the_api_imports_asyncio_first(tmp_path: Path) -> None:
    out = _child(
        """
        import sys, aiodeadlock.startup
        from aiodeadlock import api
        lock = sys.modules['asyncio'].Lock
        print(api.installed(), 'aiodeadlock' in lock.acquire.__code__.co_filename)
        """,
        tmp_path,
    )
    assert out == ("True True\n", "")
