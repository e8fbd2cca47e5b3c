"""What happens with findings: collected once each, written, then exit, raise, log or go on."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from aiodeadlock.config import EXIT_DEADLOCK, Config
from aiodeadlock.errors import DeadlockError
from aiodeadlock.model.findings import Finding
from aiodeadlock.model.report import (
    Report,
    RunInfo,
    noting_known_cycles,
    repeats_a_cycle,
    said_already,
)
from aiodeadlock.report import renderer
from aiodeadlock.report.text import render as render_text

#: The logger of `on_deadlock="log"`: one JSON object per finding (ERROR for definite,
#: WARNING for potential ones).
LOGGER = "aiodeadlock"
#: At most this many records a minute in log mode; the rest are counted and said once.
LOG_RATE = 60


class Responder:
    """Collects the findings of one detector, writes them and acts on definite ones."""

    def __init__(self, config: Config, run: RunInfo | None = None) -> None:
        self.config = config
        self._run = run
        #: Started before the command line was known (the startup hook runs before
        #: sys.argv exists): the report takes it from sys.argv when it is written.
        self.command_from_argv = run is not None and not run.command
        self.findings: list[Finding] = []
        self._seen: set[tuple[object, ...]] = set()
        self._written = 0
        self._lock = threading.Lock()
        self._texts: dict[int, str] = {}  # id(finding) -> its text, rendered once
        self._logged: list[float] = []
        self._dropped = 0
        #: Potential findings known so far (lock order...), added when the run is cut short.
        self.potential: Callable[[], list[Finding]] = list

    def add(self, finding: Finding) -> bool:
        """Record a finding; False if the same one was already recorded."""
        key = finding.identity()
        with self._lock:
            if key in self._seen:
                return False
            self._seen.add(key)
            self.findings.append(finding)
        if (self.config.on_deadlock == "log" or self.config.log) and not repeats_a_cycle(finding):
            self._log(finding)  # (a lock-order cycle that closed was logged as a wait-cycle)
        return True

    def report(self) -> Report:
        return Report(tuple(self.findings), self.run)

    @property
    def run(self) -> RunInfo | None:
        if self.command_from_argv and self._run is not None and getattr(sys, "argv", None):
            self._run = dataclasses.replace(self._run, command=tuple(sys.argv))
            self.command_from_argv = False
        return self._run

    def _text(self, finding: Finding) -> str:
        text = self._texts.get(id(finding))
        if text is None:
            text = self._texts[id(finding)] = render_text([finding])
        return text

    def render(self, findings: list[Finding] | None = None) -> str:
        chosen = self.findings if findings is None else findings
        if self.config.format == "text":
            return "\n".join(self._text(f) for f in chosen)
        return renderer(self.config.format)(Report(tuple(chosen), self.run))

    def write(self) -> None:
        """Write the report of all findings so far to the configured output.

        A report file that cannot be written is replaced by stderr (with a warning):
        a report is never lost to a full disk or a file that went away.
        """
        out = self.config.output
        if out is None or self.config.on_deadlock == "log":
            return
        with signals_deferred():
            if out != "-":
                try:
                    with open(out, "w", encoding="utf-8") as fh:
                        fh.write(self.render())
                    return
                except OSError as exc:  # from now on, the report goes to stderr
                    write_stderr(
                        f"aiodeadlock: cannot write the report to {out!r} "
                        f"({exc.strerror or exc}); writing it to stderr\n"
                    )
                    self.config = self.config.replace(output="-")
                    self._written = 0
            new = self.findings[self._written :]
            if not new:
                return
            self._written = len(self.findings)
            flush_std()
            write_stderr(self.render(new))

    def finish(self, potential: list[Finding]) -> Report:
        """Add the potential findings known at the end of a run, write what is new, and
        return the whole report."""
        for finding in noting_known_cycles(potential, self.findings):
            self.add(finding)
        self.write()
        return self.report()

    def deadlock(
        self, finding: Finding, inject: Callable[[DeadlockError], bool] | None = None
    ) -> DeadlockError | None:
        """Act on a definite deadlock; return the error to raise in the waiting task.

        Without `inject` the deadlock was found in the task that is about to wait forever:
        raise mode returns the error for it. With `inject` it was found from outside the
        task: `inject` raises the error in a waiting task, and returns False if none can
        take it (tasks awaiting each other): the run then ends as in exit mode, unless the
        config is `contained`.
        """
        mode = self.config.on_deadlock
        new = self.add(finding)  # the same deadlock again (other tasks) is not re-reported
        if not new and mode not in ("raise", "log"):
            return None
        if mode == "log":
            return None  # logged by add(); the program goes on (and waits)
        error = DeadlockError([finding], self._text(finding))
        with signals_deferred():  # a Ctrl-C now must not cut the report, nor the exit
            if new:
                self.write()
            if mode == "report":
                return None
            if mode == "raise":
                if inject is None:
                    return error
                if inject(error) or self.config.contained:
                    return None
            # exit mode, or raise mode with no task to take the error: the run ends here,
            # with what was seen so far (lock-order inversions...) in the report
            for other in self.potential():
                if not said_already(other, self.findings):
                    self.add(other)
            self.write()
            flush_std()
            os._exit(EXIT_DEADLOCK)

    # log mode --------------------------------------------------------------------------

    def _log(self, finding: Finding) -> None:
        """One JSON record per finding, at most LOG_RATE a minute."""
        now = time.monotonic()
        self._logged = [t for t in self._logged if now - t < 60.0]
        logger = logging.getLogger(LOGGER)
        if len(self._logged) >= LOG_RATE:
            self._dropped += 1
            return
        self._logged.append(now)
        record: dict[str, Any] = {"aiodeadlock": finding.to_json()}
        if self._dropped:
            record["dropped"] = self._dropped
            self._dropped = 0
        level = logging.ERROR if finding.definite else logging.WARNING
        try:
            logger.log(level, json.dumps(record), extra={"aiodeadlock": record["aiodeadlock"]})
        except Exception:  # a broken handler must not break the program
            pass


def flush_std() -> None:
    """Flush the program's output, also the real streams behind a redirected sys.stdout."""
    streams = (sys.stdout, sys.__stdout__, sys.stderr, sys.__stderr__)
    for stream in dict.fromkeys(s for s in streams if s is not None):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass


def write_stderr(text: str) -> None:
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


class signals_deferred:  # used like a function: `with signals_deferred():`
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
