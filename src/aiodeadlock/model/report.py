"""A report as data: the findings of one run and what ran, serializable both ways."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiodeadlock._version import __version__
from aiodeadlock.model import jsondata
from aiodeadlock.model.findings import WAIT_CYCLE, Finding, Resource
from aiodeadlock.model.location import Location

#: The JSON report's format version (DESIGN.md): bumped only when a field is renamed or
#: dropped; new fields may be added within a version.
FORMAT_VERSION = 1

_SAME_CYCLE = "this is the cycle reported as a wait-cycle (DL102)"


@dataclass(frozen=True)
class RunInfo:
    """What ran: the command line, the interpreter, when, which process."""

    command: tuple[str, ...] = ()
    python: str = ""
    implementation: str = ""
    platform: str = ""
    started: str = ""  # ISO 8601, UTC
    pid: int = 0
    tool_version: str = __version__

    def to_json(self) -> dict[str, object]:
        return {
            "command": list(self.command),
            "python": self.python,
            "implementation": self.implementation,
            "platform": self.platform,
            "started": self.started,
            "pid": self.pid,
        }

    @classmethod
    def from_json(cls, value: Any, where: str, tool_version: str) -> RunInfo:
        data = jsondata.obj(value, where)
        command = jsondata.seq(data, "command", where)
        if not all(isinstance(c, str) for c in command):
            raise jsondata.BadReportData(f"{where}.command: expected a list of strings")
        pid = data.get("pid", 0)
        return cls(
            tuple(command),
            jsondata.opt_text(data, "python", where) or "",
            jsondata.opt_text(data, "implementation", where) or "",
            jsondata.opt_text(data, "platform", where) or "",
            jsondata.opt_text(data, "started", where) or "",
            pid if type(pid) is int else 0,
            tool_version,
        )


@dataclass(frozen=True)
class Report:
    """Findings in the order they were made, with the run they came from."""

    findings: tuple[Finding, ...] = ()
    run: RunInfo | None = None
    format_version: int = field(default=FORMAT_VERSION)

    @property
    def deadlocked(self) -> bool:
        return any(f.definite for f in self.findings)

    @property
    def definite(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.definite)

    @property
    def potential(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.definite)

    def with_findings(self, findings: Sequence[Finding]) -> Report:
        return dataclasses.replace(self, findings=tuple(findings))

    def to_json(self) -> dict[str, object]:
        version = self.run.tool_version if self.run is not None else __version__
        data: dict[str, object] = {
            "format_version": self.format_version,
            "tool": {"name": "aiodeadlock", "version": version},
            "deadlocked": self.deadlocked,
            "findings": [f.to_json() for f in self.findings],
        }
        if self.run is not None:
            data["run"] = self.run.to_json()
        return data

    def dumps(self) -> str:
        """The report as JSON text (ends with a newline)."""
        return json.dumps(self.to_json(), indent=2) + "\n"

    @classmethod
    def from_json(cls, value: Any) -> Report:
        """A report from its JSON data; BadReportData if it is not one this version reads."""
        data = jsondata.obj(value, "report")
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            shown = "none" if version is None else repr(version)
            raise jsondata.BadReportData(
                f"unsupported format_version {shown} (this aiodeadlock reads {FORMAT_VERSION})"
            )
        tool = data.get("tool")
        tool_version = __version__
        if isinstance(tool, dict) and isinstance(tool.get("version"), str):
            tool_version = tool["version"]
        findings = tuple(
            Finding.from_json(f, f"findings[{i}]")
            for i, f in enumerate(jsondata.seq(data, "findings", "report"))
        )
        run = data.get("run")
        info = None if run is None else RunInfo.from_json(run, "run", tool_version)
        return cls(findings, info)

    @classmethod
    def loads(cls, text: str) -> Report:
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise jsondata.BadReportData(f"not JSON: {exc}") from None
        return cls.from_json(value)


def noting_known_cycles(potential: Sequence[Finding], found: Sequence[Finding]) -> list[Finding]:
    """`potential` findings, each lock-order cycle over the same locks as a wait-cycle of
    `found` noted as such (the one rule, used wherever the two meet)."""
    cycles = [{r.created_at for r in f.resources} for f in found if f.kind.code == WAIT_CYCLE.code]
    out = []
    for finding in potential:
        sites = {r.created_at for r in finding.resources}
        if any(sites and sites <= c for c in cycles) and _SAME_CYCLE not in finding.notes:
            finding = dataclasses.replace(finding, notes=(*finding.notes, _SAME_CYCLE))
        out.append(finding)
    return out


def said_already(potential: Finding, found: Sequence[Finding]) -> bool:
    """True if `potential` is about resources a definite finding of `found` names already
    (the lock-order cycle behind a wait-cycle, the task that ended holding an orphaned
    lock): it tells a reader of that report nothing new."""
    named = Counter(_identity(r) for r in potential.resources)
    return bool(named) and any(
        f.definite and not named - Counter(_identity(r) for r in f.resources) for f in found
    )


def _identity(resource: Resource) -> tuple[str, str | None, Location | None]:
    """How two findings of one run tell a resource apart (keys are per finding): two locks
    made at one line differ by the name they are stored under, where it is known, and
    are counted as two (a multiset), where it is not."""
    return (resource.type, resource.name, resource.created_at)


def repeats_a_cycle(finding: Finding) -> bool:
    """True for a lock-order finding noted as the same cycle as a reported wait-cycle."""
    return _SAME_CYCLE in finding.notes
