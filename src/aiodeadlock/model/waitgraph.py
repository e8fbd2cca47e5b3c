"""The wait-for graph as data: tasks wait on resources, resources are held by tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from aiodeadlock.model.findings import Resource
from aiodeadlock.model.location import Location

#: Released when any one holder lets go (a lock, a semaphore's permits).
ANY = "any"
#: Done only when every holder finishes (gather, TaskGroup); one stuck holder is enough.
ALL = "all"


@dataclass(frozen=True)
class WaitNode:
    """What a task waits on, and where."""

    resource: str
    at: Location | None


@dataclass(frozen=True)
class HoldNode:
    """A task holding (part of) a resource, since a location.

    For a lock a waiting task took when another released it: who released it and where
    (`released_by` is a task name)."""

    task: str
    since: Location | None
    released_by: str | None = None
    released_at: Location | None = None


@dataclass(frozen=True)
class ResourceNode:
    """A resource and who can release it.

    `exclusive` means only its holders can ever release it (so if they are all stuck,
    it is never released); a resource anyone may release or set is not exclusive.
    """

    key: str
    type: str
    holders: tuple[HoldNode, ...]
    mode: str = ANY
    exclusive: bool = True
    name: str | None = None
    created_at: Location | None = None
    detail: str | None = None

    def to_resource(self) -> Resource:
        """The resource as a report shows it."""
        return Resource(self.key, self.type, self.name, self.created_at, self.detail)


@dataclass(frozen=True)
class WakeSet:
    """Who could end a wait on a resource that any task having it may set or fill (an
    Event, a Queue, a Condition, a Future, a semaphore used as a signal).

    `wakers`: the tasks that have it in hand (as a local, or through objects they hold)
    or did it before, each with `since`, where it last did (None if it never did);
    `exact`: every reference to the resource was traced to those tasks or to its waiters
    (nothing else, such as a global, could reach it); `units`: for a queue used as a pool,
    the tasks that took an item of it and have not put one back (`since`: where they took
    it). The waiters themselves are left out of `wakers`.
    """

    wakers: tuple[HoldNode, ...]
    exact: bool
    method: str  # the first of the methods that end the wait ("set", "put"...)
    units: tuple[HoldNode, ...] = ()


@dataclass(frozen=True)
class TaskNode:
    """A task: its state, what it waits on, and how it ended."""

    key: str
    name: str
    waits: WaitNode | None = None
    ended: str | None = None  # None while alive
    exception: str | None = None
    stack: tuple[Location, ...] = field(default=())


@dataclass(frozen=True)
class EndedHolder:
    """A task that ended while holding resources it never released: each with the place
    it was taken."""

    task: TaskNode
    held: tuple[tuple[ResourceNode, Location | None], ...]


class GraphView(Protocol):
    """Lazily expanded wait-for graph; keys are opaque strings."""

    def task(self, key: str) -> TaskNode: ...

    def resource(self, key: str) -> ResourceNode: ...
