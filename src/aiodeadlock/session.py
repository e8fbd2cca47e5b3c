"""What happens when a deadlock is found: write the report, then exit, raise or go on."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from aiodeadlock.errors import DeadlockError
from aiodeadlock.model.findings import Finding
from aiodeadlock.report import json as json_report
from aiodeadlock.report import text as text_report

ON_DEADLOCK = ("exit", "raise", "report")
FORMATS = ("text", "json")
#: Exit status of a run ended because of a definite deadlock.
EXIT_DEADLOCK = 3


@dataclass
class Config:
    """Detector settings. `output`: None = write nothing, "-" = stderr, else a file path."""

    on_deadlock: str = "raise"
    format: str = "text"
    output: str | None = None
    #: Seconds a loop must stay stalled before it is reported.
    grace: float = 1.0
    #: Raise mode never ends the process (the pytest plugin): a deadlock found from the
    #: event loop is also raised in a task parked on another task (tasks awaiting each
    #: other), and when no task can take it the loop is stopped instead.
    contained: bool = False
    #: Seconds the loop thread may stay in one callback before the watchdog looks at what
    #: it is blocked in (loop-blocked, DL106); None: no watchdog.
    watchdog: float | None = None
    #: Seconds a task may wait on one primitive before a long-wait (DL107) note; None: off.
    long_wait: float | None = None

    def __post_init__(self) -> None:
        if self.on_deadlock not in ON_DEADLOCK:
            raise ValueError(f"on_deadlock must be one of {', '.join(ON_DEADLOCK)}")
        if self.format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}")
        if not self.grace > 0:
            raise ValueError("grace must be a positive number of seconds")
        for name in ("watchdog", "long_wait"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be a positive number of seconds or None")


@dataclass
class Session:
    """Collects findings for one detection session and acts on them."""

    config: Config = field(default_factory=Config)
    findings: list[Finding] = field(default_factory=list)
    _seen: set[tuple[object, ...]] = field(default_factory=set)
    _written: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, finding: Finding) -> bool:
        """Record a finding; False if the same one was already recorded."""
        key = finding.identity()
        with self._lock:
            if key in self._seen:
                return False
            self._seen.add(key)
            self.findings.append(finding)
        return True

    def render(self, findings: list[Finding] | None = None) -> str:
        chosen = self.findings if findings is None else findings
        if self.config.format == "json":
            return json_report.render(chosen)
        return text_report.render(chosen)

    def write(self) -> None:
        """Write the report of all findings so far to the configured output.

        A report file that cannot be written is replaced by stderr (with a warning):
        a report is never lost to a full disk or a file that went away.
        """
        out = self.config.output
        if out is None:
            return
        with _signals_deferred():
            if out != "-":
                try:
                    with open(out, "w", encoding="utf-8") as fh:
                        fh.write(self.render())
                    return
                except OSError as exc:  # from now on, the report goes to stderr
                    _write_stderr(
                        f"aiodeadlock: cannot write the report to {out!r} "
                        f"({exc.strerror or exc}); writing it to stderr\n"
                    )
                    self.config = replace(self.config, output="-")
                    self._written = 0
            new = self.findings[self._written :]
            if not new:
                return
            self._written = len(self.findings)
            _flush_std()
            _write_stderr(self.render(new))

    def write_text(self, text: str) -> None:
        """Write a free-form text (a snapshot) to stderr, whatever the report output."""
        _write_stderr(text)

    def finish(self, potential: list[Finding]) -> list[Finding]:
        """Add the potential findings known at the end of a run and write what is new.

        A potential lock-order cycle over the same locks as a definite wait-cycle of
        this run gets a note saying so. Returns every potential finding.
        """
        cycles = [f for f in self.findings if f.kind.code == "DL102"]
        for finding in potential:
            sites = {r.created_at for r in finding.resources}
            if any(sites and sites <= {r.created_at for r in c.resources} for c in cycles):
                finding = replace(
                    finding,
                    notes=(*finding.notes, "this is the cycle reported as a wait-cycle (DL102)"),
                )
            self.add(finding)
        self.write()
        return [f for f in self.findings if not f.definite]

    def deadlock(
        self, finding: Finding, inject: Callable[[DeadlockError], bool] | None = None
    ) -> None:
        """Act on a definite deadlock.

        Without `inject` this runs in the task that is about to wait forever, and raise
        mode raises right here. With it, the deadlock was found from the event loop:
        `inject` raises the error in a waiting task, and returns False if none can take
        it (tasks awaiting each other): the run then ends as in exit mode, unless the
        config is `contained`.
        """
        mode = self.config.on_deadlock
        error = DeadlockError([finding], text_report.render([finding]))
        new = self.add(finding)  # the same deadlock again (other tasks) is not re-reported
        if not new and mode != "raise":
            return
        with _signals_deferred():  # a Ctrl-C now must not cut the report, nor the exit
            if new:
                self.write()
            if mode == "raise":
                if inject is None:
                    raise error
                if inject(error) or self.config.contained:
                    return
            if mode in ("exit", "raise"):
                _flush_std()
                os._exit(EXIT_DEADLOCK)


def _flush_std() -> None:
    """Flush the program's output, also the real streams behind a redirected sys.stdout."""
    streams = (sys.stdout, sys.__stdout__, sys.stderr, sys.__stderr__)
    for stream in dict.fromkeys(s for s in streams if s is not None):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass


def _write_stderr(text: str) -> None:
    """Write to stderr (fd 2 if sys.stderr is gone or closed); a dead stderr is ignored."""
    try:
        if sys.stderr is not None:
            sys.stderr.write(text)
            sys.stderr.flush()
            return
    except (OSError, ValueError, AttributeError):
        pass
    try:
        os.write(2, text.encode("utf-8", "replace"))
    except OSError:
        pass  # stderr is closed or a broken pipe: nowhere left to write to


_DEFERRED = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM") if hasattr(signal, name))


class _signals_deferred:  # used like a function: `with _signals_deferred():`
    """Hold back Ctrl-C and SIGTERM while a report is written, so it is written whole.

    Only the main thread can change signal handlers; a signal that came meanwhile goes
    to the program's handler (or its default action) once the report is out. (A class,
    not @contextmanager: no frame of contextlib's in the traceback of that Ctrl-C.)
    """

    def __enter__(self) -> None:
        self.received: list[int] = []
        self.saved: dict[int, Any] = {}
        if threading.current_thread() is not threading.main_thread():
            return
        try:
            for sig in _DEFERRED:
                handler = signal.getsignal(sig)
                if handler is None or handler == signal.SIG_IGN:
                    continue  # not set from Python (or ignored): leave it alone
                self.saved[sig] = signal.signal(sig, self._record)
        except (ValueError, OSError):  # pragma: no cover - not the main interpreter
            pass

    def _record(self, signum: int, frame: Any) -> None:
        self.received.append(signum)

    def __exit__(self, *exc_info: object) -> None:
        for sig, handler in self.saved.items():
            signal.signal(sig, handler)
        for sig in dict.fromkeys(self.received):
            handler = self.saved[sig]
            if callable(handler):  # as the signal would have (a wakeup fd has seen it)
                handler(sig, None)
            else:  # SIG_DFL: die of it
                signal.raise_signal(sig)
