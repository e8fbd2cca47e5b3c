"""What happens when a deadlock is found: write the report, then exit, raise or go on."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

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
        """Write the report of all findings so far to the configured output."""
        out = self.config.output
        if out is None:
            return
        if out == "-":
            new = self.findings[self._written :]
            if not new:
                return
            self._written = len(self.findings)
            text = self.render(new)
            _flush_std()
            try:
                sys.stderr.write(text)
                sys.stderr.flush()
            except (OSError, ValueError):
                os.write(2, text.encode("utf-8", "replace"))
            return
        text = self.render()
        with open(out, "w", encoding="utf-8") as fh:
            fh.write(text)

    def write_text(self, text: str) -> None:
        """Write a free-form text (a snapshot) to stderr, whatever the report output."""
        try:
            sys.stderr.write(text)
            sys.stderr.flush()
        except (OSError, ValueError):
            os.write(2, text.encode("utf-8", "replace"))

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
        if not self.add(finding):
            if mode == "raise" and inject is None:
                raise error
            return
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
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
