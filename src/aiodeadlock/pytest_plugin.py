"""pytest plugin: a test that deadlocks fails at once with the aiodeadlock report."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from aiodeadlock.api import Detector
    from aiodeadlock.config import Config
    from aiodeadlock.model.findings import Finding

MARKER_HELP = (
    "aiodeadlock(enabled=True, strict=None, grace=None): check this test for asyncio "
    "deadlocks even without --aiodeadlock (enabled=False: never check it); strict: fail it "
    "on potential deadlocks; grace: seconds before a stalled loop counts as a deadlock"
)
#: The report attribute that carries potential findings (as text) to the summary; it
#: survives pytest-xdist's report serialization.
POTENTIAL_ATTR = "aiodeadlock_potential"
DEFAULT_GRACE = 1.0


@dataclass(frozen=True)
class Settings:
    """What the plugin does for one test."""

    enabled: bool = False
    strict: bool = False
    grace: float = DEFAULT_GRACE
    #: Where each deadlocked test's JSON and HTML reports are written (None: nowhere).
    report_dir: str | None = None


@dataclass
class TestRun:
    """The detector of one test and what its reports have shown of it."""

    __test__ = False  # not a test class, whatever its name

    detector: Detector
    settings: Settings
    #: The settings of a detector someone installed before the test (None: the plugin's own).
    previous: Config | None
    shown: int = 0  # findings of `detector` already looked at
    potential: set[str] = field(default_factory=set)

    def new_definite(self) -> list[Finding]:
        new = self.detector.findings[self.shown :]
        self.shown = len(self.detector.findings)
        return [f for f in new if f.definite]

    def new_potential(self) -> list[str]:
        """Potential findings (lock-order, ended holding a lock) not shown yet, as text."""
        from aiodeadlock import api
        from aiodeadlock.model.report import repeats_a_cycle
        from aiodeadlock.report.text import render

        if api.current() is not self.detector:
            return []  # the test uninstalled the detector itself
        report = api.finish()
        if report is None:
            return []
        # A lock-order cycle over the locks of a wait-cycle of this test adds nothing.
        texts = [render([f]) for f in report.potential if not repeats_a_cycle(f)]
        self.shown = len(self.detector.findings)
        new = [t for t in dict.fromkeys(texts) if t not in self.potential]
        self.potential.update(new)
        return new


SETTINGS_KEY = pytest.StashKey[Settings]()
RUN_KEY = pytest.StashKey[TestRun]()
MARKER_ERROR_KEY = pytest.StashKey[str]()
#: pytest-timeout's alarm handler and timer threads for this test (they wake no task).
WAKERS_KEY = pytest.StashKey[tuple[list[Any], list[threading.Thread]]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("aiodeadlock", "asyncio deadlock detection (aiodeadlock)")
    group.addoption(
        "--aiodeadlock",
        action="store_true",
        default=False,
        help="fail tests that deadlock (asyncio), with a report naming the tasks, locks "
        "and lines. Ini: aiodeadlock = true.",
    )
    group.addoption(
        "--aiodeadlock-strict",
        action="store_true",
        default=False,
        help="also fail tests with potential deadlocks (locks taken in opposite orders). "
        "Ini: aiodeadlock_strict = true.",
    )
    group.addoption(
        "--aiodeadlock-grace",
        type=float,
        default=None,
        metavar="SECONDS",
        help="how long a loop with nothing left to run may stay idle, while tasks wait, "
        f"before it counts as deadlocked (default {DEFAULT_GRACE}). Ini: aiodeadlock_grace.",
    )
    group.addoption(
        "--aiodeadlock-report-dir",
        default=None,
        metavar="DIR",
        help="write each deadlocked test's report as JSON and HTML to DIR, named after the "
        "test id (created if missing). Ini: aiodeadlock_report_dir.",
    )
    parser.addini("aiodeadlock", "check tests for asyncio deadlocks", type="bool", default=False)
    parser.addini("aiodeadlock_report_dir", "directory for deadlocked tests' JSON and HTML reports")
    parser.addini(
        "aiodeadlock_strict", "fail tests with potential deadlocks", type="bool", default=False
    )
    parser.addini("aiodeadlock_grace", "seconds before an idle loop counts as stalled", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    grace = config.getoption("aiodeadlock_grace")
    if grace is None:
        grace = str(config.getini("aiodeadlock_grace")).strip() or DEFAULT_GRACE
    config.stash[SETTINGS_KEY] = Settings(
        enabled=bool(config.getoption("aiodeadlock") or config.getini("aiodeadlock")),
        strict=bool(config.getoption("aiodeadlock_strict") or config.getini("aiodeadlock_strict")),
        grace=_grace(grace, "aiodeadlock grace"),
        report_dir=_report_dir(config),
    )
    config.pluginmanager.register(Reporter(), "aiodeadlock-reporter")


def pytest_report_header(config: pytest.Config) -> str | None:
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None or not settings.enabled:
        return None
    strict = ", strict" if settings.strict else ""
    return f"aiodeadlock: on (stall grace {settings.grace:g}s{strict})"


def _report_dir(config: pytest.Config) -> str | None:
    """The report directory, absolute (from the rootdir for the ini value); None if unset."""
    given = config.getoption("aiodeadlock_report_dir")
    base = os.getcwd()
    if not given:
        given = str(config.getini("aiodeadlock_report_dir") or "").strip()
        base = str(config.rootpath)
    if not given:
        return None
    path = os.path.join(base, os.path.expanduser(given))
    if os.path.exists(path) and not os.path.isdir(path):
        raise pytest.UsageError(f"aiodeadlock report directory {given!r} is not a directory")
    return os.path.abspath(path)


def _grace(value: object, what: str) -> float:
    from aiodeadlock.config import seconds
    from aiodeadlock.errors import ConfigError

    try:
        return seconds(value, what)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None


def item_settings(item: pytest.Item) -> Settings:
    """The global settings, changed by the test's `aiodeadlock` marker (closest wins)."""
    settings = item.config.stash[SETTINGS_KEY]
    marker = item.get_closest_marker("aiodeadlock")
    if marker is None:
        return settings
    if marker.args:
        raise pytest.UsageError("@pytest.mark.aiodeadlock takes keyword arguments only")
    unknown = set(marker.kwargs) - {"enabled", "strict", "grace"}
    if unknown:
        raise pytest.UsageError(
            f"@pytest.mark.aiodeadlock: unknown argument(s) {', '.join(sorted(unknown))}; "
            "use enabled=, strict=, grace="
        )
    strict = marker.kwargs.get("strict")
    grace = marker.kwargs.get("grace")
    return Settings(
        enabled=bool(marker.kwargs.get("enabled", True)),
        strict=settings.strict if strict is None else bool(strict),
        grace=settings.grace if grace is None else _grace(grace, "aiodeadlock(grace=...)"),
        report_dir=settings.report_dir,
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Detect from before the first fixture is set up until the last is torn down."""
    run = None
    try:
        settings = item_settings(item)
    except pytest.UsageError as exc:
        item.stash[MARKER_ERROR_KEY] = str(exc)
    else:
        if settings.enabled:
            run = item.stash[RUN_KEY] = start(settings)
            wakers = item.stash.get(WAKERS_KEY, None)
            if wakers is not None:  # pytest-timeout set its timer before the test started
                run.detector.ignore_wakers(*wakers)
    try:
        yield
    finally:
        if run is not None:
            stop(run)


def start(settings: Settings) -> TestRun:
    """A fresh detector for one test: raise DeadlockError, never end pytest."""
    from aiodeadlock import api
    from aiodeadlock.config import Config

    before = api.current()
    config = Config(on_deadlock="raise", output=None, grace=settings.grace, contained=True)
    detector = api.start(config)
    previous = before.config if before is not None else None
    return TestRun(detector, settings, previous, shown=len(detector.findings))


def stop(run: TestRun) -> None:
    """Uninstall the detector, or give one installed before the test its settings back."""
    from aiodeadlock import api

    if run.previous is None:
        api.uninstall()
    elif api.current() is run.detector:
        run.detector.config = run.previous


@pytest.hookimpl(hookwrapper=True, optionalhook=True)
def pytest_timeout_set_timer(item: pytest.Item, settings: Any) -> Iterator[None]:
    """pytest-timeout's alarm (a SIGALRM handler or a timer thread) never wakes a task."""
    yield
    try:
        if not item_settings(item).enabled:
            return
    except pytest.UsageError:
        return
    from aiodeadlock import api

    alarm = getattr(signal, "SIGALRM", None)
    handler = signal.getsignal(alarm) if alarm is not None else None
    ours = getattr(handler, "__module__", None) == "pytest_timeout"
    wakers = (
        [handler] if ours else [],
        [t for t in threading.enumerate() if t.name.startswith("pytest_timeout ")],
    )
    item.stash[WAKERS_KEY] = wakers  # for the detector of this test, if it starts later
    api.ignore_wakers(*wakers)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    error = item.stash.get(MARKER_ERROR_KEY, None)
    if error is not None:
        pytest.fail(error, pytrace=False)


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    """Fail a test phase in which a deadlock was found; attach potential findings."""
    outcome = yield
    run = item.stash.get(RUN_KEY, None)
    if run is None:
        return
    report: pytest.TestReport = outcome.get_result()
    definite = run.new_definite()
    if definite:
        from aiodeadlock.report.text import render

        fail_deadlocked(report, call, render(definite))
        if run.settings.report_dir is not None and report.failed:
            saved = save_reports(run, definite, run.settings.report_dir, item.nodeid)
            report.sections.append(("aiodeadlock reports", saved))
    if call.when in ("call", "teardown"):
        potential = run.new_potential()
        if potential:
            setattr(report, POTENTIAL_ATTR, potential)
            if run.settings.strict and report.passed:
                report.outcome = "failed"
                report.longrepr = (
                    "aiodeadlock (strict): potential deadlock(s) found in this test\n\n"
                    + "\n".join(potential)
                )


def report_name(nodeid: str) -> str:
    """A file name (without suffix) for the test `nodeid`: its characters that are safe in
    file names, the rest as "_"; a long id is cut, with a hash of the whole to stay unique."""
    import hashlib
    import re

    name = re.sub(r"[^A-Za-z0-9_.\-\[\]]+", "_", nodeid).strip("_.") or "test"
    if len(name) > 120:
        digest = hashlib.sha1(nodeid.encode("utf-8")).hexdigest()[:10]
        name = f"{name[:109]}-{digest}"
    return name


def save_reports(run: TestRun, definite: list[Finding], folder: str, nodeid: str) -> str:
    """Write the JSON and HTML reports of a deadlocked test; say where (or why not)."""
    from aiodeadlock.model.report import Report
    from aiodeadlock.report import render

    report = Report(tuple(definite), run.detector.report().run)
    base = os.path.join(folder, report_name(nodeid))
    written = []
    try:
        os.makedirs(folder, exist_ok=True)
        for fmt in ("json", "html"):
            with open(f"{base}.{fmt}", "w", encoding="utf-8") as fh:
                fh.write(render(report, fmt))
            written.append(f"{base}.{fmt}")
    except OSError as exc:
        return f"aiodeadlock: cannot write the report to {folder!r}: {exc.strerror or exc}"
    return "aiodeadlock: report written to " + " and ".join(written)


def fail_deadlocked(report: pytest.TestReport, call: pytest.CallInfo[None], text: str) -> None:
    """Make `report` a failure showing the deadlock report `text`."""
    if report.failed and call.excinfo is not None and carries_deadlock(call.excinfo.value):
        return  # pytest's traceback ends in the DeadlockError, whose message is the report
    if report.failed:
        text += f"\nthe test then failed with:\n{report.longrepr}\n"
    elif report.passed:
        text += (
            "\nthe test went on after the deadlock was found (it caught the "
            "DeadlockError?); mark it @pytest.mark.aiodeadlock(enabled=False) if "
            "that is intended\n"
        )
    else:
        return  # skipped or xfailed: leave it
    report.outcome = "failed"
    report.longrepr = text


def without_detector_frames(
    excinfo: pytest.ExceptionInfo[BaseException],
) -> pytest.ExceptionInfo[BaseException]:
    """The failure without aiodeadlock's frames, nor asyncio's after the program's last.

    The traceback then ends at the program's line that waited (where DeadlockError was
    raised), not inside the detector or inside asyncio.Lock.acquire().
    """
    import asyncio

    import aiodeadlock

    hidden = os.path.dirname(aiodeadlock.__file__) + os.sep
    library = os.path.dirname(asyncio.__file__) + os.sep
    kept = []
    tb: TracebackType | None = excinfo.tb
    while tb is not None:
        if not tb.tb_frame.f_code.co_filename.startswith(hidden):
            kept.append(tb)
        tb = tb.tb_next
    while len(kept) > 1 and kept[-1].tb_frame.f_code.co_filename.startswith(library):
        kept.pop()
    if len(kept) == len(excinfo.traceback) or not kept:
        return excinfo
    new: TracebackType | None = None
    for tb in reversed(kept):
        new = TracebackType(new, tb.tb_frame, tb.tb_lasti, tb.tb_lineno)
    exc_info = (excinfo.type, excinfo.value, new)
    return pytest.ExceptionInfo.from_exc_info(exc_info)  # type: ignore[arg-type]


def carries_deadlock(exc: BaseException) -> bool:
    """Whether `exc`, its causes/contexts or its group members are a DeadlockError."""
    from aiodeadlock.errors import DeadlockError

    todo, seen = [exc], set()
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, DeadlockError):
            return True
        todo += [x for x in (e.__cause__, e.__context__) if x is not None]
        todo += [x for x in getattr(e, "exceptions", ()) if isinstance(x, BaseException)]
    return False


class Reporter:
    """Shapes the failures of checked tests; lists potential findings in the summary.

    Registered at configure time, its makereport runs after the unittest plugin's
    (which sets `call.excinfo`) and before pytest's own, which makes the report.
    """

    def __init__(self) -> None:
        self.found: dict[str, list[str]] = {}

    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> None:
        excinfo = call.excinfo
        if (
            excinfo is None
            or RUN_KEY not in item.stash
            or item.config.getoption("fulltrace", False)
        ):
            return
        if carries_deadlock(excinfo.value):
            call.excinfo = without_detector_frames(excinfo)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for text in getattr(report, POTENTIAL_ATTR, None) or ():
            self.found.setdefault(str(text), []).append(report.nodeid)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.found:
            return
        tr = terminalreporter
        tr.section("aiodeadlock: potential deadlocks", sep="=", yellow=True)
        for text, nodeids in self.found.items():
            tr.write(text)
            for nodeid in dict.fromkeys(nodeids):
                tr.write_line(f"  seen in {nodeid}")
            tr.write_line("")
