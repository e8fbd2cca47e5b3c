"""Findings: what was detected, about which tasks and resources, as plain data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiodeadlock.model import jsondata
from aiodeadlock.model.location import Location


@dataclass(frozen=True)
class Kind:
    """A kind of finding with its stable code."""

    name: str
    code: str
    definite: bool


SELF_DEADLOCK = Kind("self-deadlock", "DL101", True)
WAIT_CYCLE = Kind("wait-cycle", "DL102", True)
ORPHANED_LOCK = Kind("orphaned-lock", "DL103", True)
LOCK_ORDER = Kind("lock-order", "DL104", False)
STALL = Kind("stall", "DL105", True)
LOOP_BLOCKED = Kind("loop-blocked", "DL106", True)
LONG_WAIT = Kind("long-wait", "DL107", False)
CANCEL_IGNORED = Kind("cancel-ignored", "DL108", False)
LOOP_BUSY = Kind("loop-busy", "DL109", False)

KINDS = {
    k.name: k
    for k in (
        SELF_DEADLOCK,
        WAIT_CYCLE,
        ORPHANED_LOCK,
        LOCK_ORDER,
        STALL,
        LOOP_BLOCKED,
        LONG_WAIT,
        CANCEL_IGNORED,
        LOOP_BUSY,
    )
}


@dataclass(frozen=True)
class Resource:
    """A synchronization primitive or awaitable that tasks wait on."""

    key: str  # unique within one report, e.g. "R1"
    type: str  # "Lock", "Semaphore", "Task", ...
    name: str | None = None  # variable, attribute or global it is stored in, when found
    created_at: Location | None = None
    detail: str | None = None  # e.g. "0 of 1 permits free"

    def label(self) -> str:
        """How a reader tells this resource apart from others: type, name, creation site."""
        text = self.type
        if self.name:
            text += f" {self.name!r}"
        if self.created_at is not None:
            text += f" (created at {self.created_at.short()})"
        return text

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"id": self.key, "type": self.type, "name": self.name}
        data["created_at"] = self.created_at.to_json() if self.created_at else None
        if self.detail is not None:
            data["detail"] = self.detail
        return data

    @classmethod
    def from_json(cls, value: Any, where: str) -> Resource:
        data = jsondata.obj(value, where)
        return cls(
            jsondata.text(data, "id", where),
            jsondata.text(data, "type", where),
            jsondata.opt_text(data, "name", where),
            Location.maybe_from_json(data, "created_at", where),
            jsondata.opt_text(data, "detail", where),
        )


@dataclass(frozen=True)
class Hold:
    """A task holds a resource, taken at `since`; for a lock handed over to it (it waited,
    and took it when another task released it), which task released it and where."""

    resource: str  # Resource.key
    since: Location | None
    released_by: str | None = None  # a task name
    released_at: Location | None = None

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "resource": self.resource,
            "since": self.since.to_json() if self.since else None,
        }
        if self.released_by is not None:
            data["released_by"] = self.released_by
        if self.released_at is not None:
            data["released_at"] = self.released_at.to_json()
        return data

    @classmethod
    def from_json(cls, value: Any, where: str) -> Hold:
        data = jsondata.obj(value, where)
        return cls(
            jsondata.text(data, "resource", where),
            Location.maybe_from_json(data, "since", where),
            jsondata.opt_text(data, "released_by", where),
            Location.maybe_from_json(data, "released_at", where),
        )


@dataclass(frozen=True)
class TaskReport:
    """One task as a finding shows it."""

    key: str  # unique within one report, e.g. "T1"
    name: str
    state: str  # "waiting", "running", "ended"
    waits_for: str | None = None  # Resource.key
    waits_at: Location | None = None
    holds: tuple[Hold, ...] = ()
    stack: tuple[Location, ...] = ()  # outermost call first
    ended: str | None = None  # "returned", "raised", "cancelled"
    exception: str | None = None
    #: Where it ended (the line of the task that raised, returned or took the cancel).
    ended_at: Location | None = None
    #: "task", or "thread" for a thread blocked in a synchronous call (see the detectors).
    actor: str = "task"
    #: Where a cancel of this task was asked for (cancel() called), and by which task.
    cancelled_at: Location | None = None
    cancelled_by: str | None = None
    #: Where it caught its CancelledError (and went on, for a cancel-ignored finding).
    caught_at: Location | None = None

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "id": self.key,
            "name": self.name,
            "state": self.state,
            "waits_for": self.waits_for,
            "waits_at": self.waits_at.to_json() if self.waits_at else None,
            "holds": [h.to_json() for h in self.holds],
            "stack": [loc.to_json() for loc in self.stack],
            "ended": self.ended,
            "exception": self.exception,
            "actor": self.actor,
        }
        for key, loc in (
            ("ended_at", self.ended_at),
            ("cancelled_at", self.cancelled_at),
            ("caught_at", self.caught_at),
        ):
            if loc is not None:
                data[key] = loc.to_json()
        if self.cancelled_by is not None:
            data["cancelled_by"] = self.cancelled_by
        return data

    @classmethod
    def from_json(cls, value: Any, where: str) -> TaskReport:
        data = jsondata.obj(value, where)
        return cls(
            key=jsondata.text(data, "id", where),
            name=jsondata.text(data, "name", where),
            state=jsondata.text(data, "state", where),
            waits_for=jsondata.opt_text(data, "waits_for", where),
            waits_at=Location.maybe_from_json(data, "waits_at", where),
            holds=tuple(
                Hold.from_json(h, f"{where}.holds[{i}]")
                for i, h in enumerate(jsondata.seq(data, "holds", where))
            ),
            stack=tuple(
                Location.from_json(loc, f"{where}.stack[{i}]")
                for i, loc in enumerate(jsondata.seq(data, "stack", where))
            ),
            ended=jsondata.opt_text(data, "ended", where),
            exception=jsondata.opt_text(data, "exception", where),
            ended_at=Location.maybe_from_json(data, "ended_at", where),
            actor=jsondata.opt_text(data, "actor", where) or "task",
            cancelled_at=Location.maybe_from_json(data, "cancelled_at", where),
            cancelled_by=jsondata.opt_text(data, "cancelled_by", where),
            caught_at=Location.maybe_from_json(data, "caught_at", where),
        )


@dataclass(frozen=True)
class Edge:
    """`waiter` waits for `resource` at `wait_at`; `holder` holds it since `since`."""

    waiter: str  # TaskReport.key
    resource: str  # Resource.key
    wait_at: Location | None
    holder: str | None  # TaskReport.key, None if nobody can be named
    since: Location | None
    #: How `holder` ends the wait: "holds" (it holds the resource, taken at `since`),
    #: "finishes" (the waiter awaits it), "wakes" (only it would set or fill the resource;
    #: `since` is where it did so before), or "runs" (a thread that must run the work).
    relation: str = "holds"

    def to_json(self) -> dict[str, object]:
        return {
            "waiter": self.waiter,
            "resource": self.resource,
            "wait_at": self.wait_at.to_json() if self.wait_at else None,
            "holder": self.holder,
            "since": self.since.to_json() if self.since else None,
            "relation": self.relation,
        }

    @classmethod
    def from_json(cls, value: Any, where: str) -> Edge:
        data = jsondata.obj(value, where)
        return cls(
            jsondata.text(data, "waiter", where),
            jsondata.text(data, "resource", where),
            Location.maybe_from_json(data, "wait_at", where),
            jsondata.opt_text(data, "holder", where),
            Location.maybe_from_json(data, "since", where),
            jsondata.opt_text(data, "relation", where) or "holds",
        )


@dataclass(frozen=True)
class Finding:
    """One detected deadlock or hazard."""

    kind: Kind
    message: str
    location: Location | None  # where it was caught (the wait that closed the cycle)
    edges: tuple[Edge, ...] = ()
    tasks: tuple[TaskReport, ...] = ()
    resources: tuple[Resource, ...] = ()
    notes: tuple[str, ...] = field(default=())
    #: A hazard noticed without proof of a hang (e.g. a task ended holding a lock).
    potential: bool = False
    #: Keys of the tasks on the cycle, in order (empty when there is no cycle).
    members: tuple[str, ...] = ()

    def identity(self) -> tuple[object, ...]:
        """What makes two findings the same deadlock (a cycle found twice, from any task).

        Task keys come from id() and are reused once a task is freed, so a cycle is known
        by its tasks' keys, names and the lines they wait at, not by the keys alone.
        """
        if self.members:
            members = frozenset(self.members)
            names = frozenset((t.key, t.name) for t in self.tasks if t.key in members)
            waits = frozenset((e.waiter, e.wait_at) for e in self.edges if e.waiter in members)
            return (self.kind.code, members, names, waits)
        return (self.kind.code, self.location, self.message)

    @property
    def definite(self) -> bool:
        return self.kind.definite and not self.potential

    def task(self, key: str | None) -> TaskReport | None:
        return next((t for t in self.tasks if t.key == key), None)

    def resource(self, key: str | None) -> Resource | None:
        return next((r for r in self.resources if r.key == key), None)

    def lines(self) -> list[int]:
        """Every source line the finding names (for tests and summaries)."""
        found: list[int] = []
        locs: list[Location | None] = [self.location]
        for e in self.edges:
            locs += [e.wait_at, e.since]
        for t in self.tasks:
            locs += [t.waits_at, *t.stack, *(h.since for h in t.holds)]
            locs += [h.released_at for h in t.holds]
            locs += [t.ended_at, t.cancelled_at, t.caught_at]
        for loc in locs:
            if loc is not None and loc.line not in found:
                found.append(loc.line)
        return found

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind.name,
            "code": self.kind.code,
            "definite": self.definite,
            "message": self.message,
            "location": self.location.to_json() if self.location else None,
            "edges": [e.to_json() for e in self.edges],
            "tasks": [t.to_json() for t in self.tasks],
            "resources": [r.to_json() for r in self.resources],
            "notes": list(self.notes),
            "cycle": list(self.members),
        }

    @classmethod
    def from_json(cls, value: Any, where: str) -> Finding:
        data = jsondata.obj(value, where)
        kind = kind_from_json(data, where)
        definite = jsondata.flag(data, "definite", where, default=kind.definite)
        notes = jsondata.seq(data, "notes", where)
        members = jsondata.seq(data, "cycle", where)
        if not all(isinstance(n, str) for n in notes + members):
            raise jsondata.BadReportData(f"{where}: notes and cycle must be lists of strings")

        def items(key: str, load: Any) -> tuple[Any, ...]:
            return tuple(
                load(item, f"{where}.{key}[{i}]")
                for i, item in enumerate(jsondata.seq(data, key, where))
            )

        return cls(
            kind,
            jsondata.text(data, "message", where),
            Location.maybe_from_json(data, "location", where),
            items("edges", Edge.from_json),
            items("tasks", TaskReport.from_json),
            items("resources", Resource.from_json),
            tuple(notes),
            potential=kind.definite and not definite,
            members=tuple(members),
        )


def kind_from_json(data: Mapping[str, Any], where: str) -> Kind:
    """The kind a finding names; a kind this version does not know keeps its name and code."""
    name = jsondata.text(data, "kind", where)
    code = jsondata.text(data, "code", where)
    known = KINDS.get(name)
    if known is not None and known.code == code:
        return known
    return Kind(name, code, jsondata.flag(data, "definite", where))
