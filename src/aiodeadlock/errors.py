"""The exceptions aiodeadlock raises, under one base class."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiodeadlock.model.findings import Finding


class AiodeadlockError(Exception):
    """Base of aiodeadlock's own errors. `slug` names the kind in one word; the message is
    one line meant for a person, shown without a traceback by the command line."""

    slug = "error"


class ConfigError(AiodeadlockError, ValueError):
    """A bad option or setting (command line, pyproject.toml, environment, API)."""

    slug = "config"


class DeadlockError(AiodeadlockError, RuntimeError):
    """Raised in the task that would have waited forever (`on_deadlock="raise"`).

    `findings` holds the finding(s) as data; `report` is the text report.
    """

    slug = "deadlock"

    def __init__(self, findings: Sequence[Finding], report: str) -> None:
        self.findings = tuple(findings)
        self.report = report
        first = self.findings[0] if self.findings else None
        head = f"{first.kind.name} ({first.kind.code}): {first.message}" if first else "deadlock"
        super().__init__(f"{head}\n{report}")
