"""The wait-for graph read from live tasks and instrumented primitives, expanded lazily."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from aiodeadlock.instrument import taskstate
from aiodeadlock.instrument.introspect import task_stack
from aiodeadlock.instrument.naming import created_name
from aiodeadlock.instrument.primitives import (
    handed_over_by,
    held_in_block,
    is_lock,
    is_owned_primitive,
)
from aiodeadlock.instrument.sites import frame_location, is_internal, location
from aiodeadlock.instrument.taskstate import (
    CANCELLED,
    RAISED,
    RETURNED,
    TaskState,
    describe_exception,
)
from aiodeadlock.instrument.waits import Wait, Wakers, blocked_on
from aiodeadlock.model.location import Location
from aiodeadlock.model.waitgraph import HoldNode, ResourceNode, TaskNode, WaitNode

DESTROYED = "destroyed"


class _NoWakers(Wakers):
    """Stand-in for a first pass that does not look at pending callbacks."""

    def __init__(self) -> None:
        self.refs = set()

    def may_wake(self, task: Any) -> bool:
        return False


_NO_WAKERS = _NoWakers()


def task_key(task_id: int) -> str:
    return f"T{task_id:x}"


def resource_key(prim: object) -> str:
    return f"R{id(prim):x}"


class LiveGraph:
    """A GraphView over live tasks, their records and the things they wait on.

    `current` is the task that is running (about to park); every other task is
    suspended and is read from its await chain.
    """

    def __init__(
        self, current: Any = None, loop: Any = None, stacks: bool = True, wakers: bool = True
    ) -> None:
        self.current = current
        self.loop = loop
        #: Look at pending callbacks (which may wake tasks or release primitives). A
        #: first, cheap pass leaves them out; a deadlock it finds is then re-checked.
        self.check_wakers = wakers
        #: Read each task's await stack when its node is built (scans defer it).
        self.stacks = stacks
        self.tasks: dict[str, Any] = {}  # key -> task (or TaskState of a freed task)
        self.prims: dict[str, Any] = {}  # key -> primitive or Wait
        self._tasks: dict[str, TaskNode] = {}
        self._resources: dict[str, ResourceNode] = {}
        self._wakers: Wakers | None = None

    def add_task(self, task: Any) -> str:
        key = task_key(id(task))
        self.tasks.setdefault(key, task)
        return key

    def add_state(self, st: TaskState) -> str:
        task = st.task()
        if task is not None:
            return self.add_task(task)
        # A freed task: its id() may already belong to a new task, so key the record.
        key = f"D{id(st):x}"
        self.tasks.setdefault(key, st)
        return key

    def handle(self, key: str) -> Any:
        """The task (or the record of a freed one) behind a task key."""
        return self.tasks[key]

    def handed_over(self, rkey: str) -> bool:
        """Could a task other than the holder release this resource? (A lock or permit
        taken by `acquire()`: asyncio lets any task release it. One held by an `async
        with` block is released by that block only.)"""
        prim = self.prims.get(rkey)
        return is_owned_primitive(prim) and not held_in_block(prim)

    def primitives(self, rkeys: list[str]) -> list[Any]:
        return [self.prims[k] for k in rkeys if k in self.prims]

    @property
    def wakers(self) -> Wakers:
        if not self.check_wakers:
            return _NO_WAKERS
        if self._wakers is None:
            loop = self.loop
            if loop is None:
                try:
                    loop = asyncio.get_running_loop()
                except RuntimeError:
                    loop = None
            self._wakers = Wakers(loop)
        return self._wakers

    # GraphView ---------------------------------------------------------------------

    def task(self, key: str) -> TaskNode:
        node = self._tasks.get(key)
        if node is None:
            node = self._tasks[key] = self._task_node(key, self.tasks[key])
        return node

    def resource(self, key: str) -> ResourceNode:
        node = self._resources.get(key)
        if node is None:
            node = self._resources[key] = self._resource_node(key, self.prims[key])
        return node

    def with_stack(self, node: TaskNode) -> TaskNode:
        """`node` with its await stack filled in (for nodes built without stacks)."""
        task = self.tasks.get(node.key)
        if node.stack or node.ended or isinstance(task, TaskState) or task is None:
            return node
        return replace(node, stack=task_stack(task, running=task is self.current))

    # building ----------------------------------------------------------------------

    def _task_node(self, key: str, obj: Any) -> TaskNode:
        if isinstance(obj, TaskState):  # a freed task: only its record is left
            ended, exception = _ending(obj, None)
            return TaskNode(key, obj.name(), None, ended, exception)
        task = obj
        st = taskstate.states.get(id(task))
        if st is not None and st() is not task:
            st = None
        name = str(task.get_name())
        ended, exception = _ending(st, task)
        if ended is not None:
            return TaskNode(key, name, None, ended, exception)
        running = task is self.current
        stack = task_stack(task, running=running) if self.stacks else ()
        waits = None
        if st is not None and st.waiting is not None:
            if not self.wakers.may_wake(task):
                prim = st.waiting
                rkey = resource_key(prim)
                self.prims[rkey] = prim
                waits = WaitNode(rkey, location(st.waiting_code, st.waiting_lasti))
        elif not running and not self.wakers.may_wake(task):
            wait = blocked_on(task)
            if wait is not None:
                rkey = resource_key(wait.obj)
                self.prims[rkey] = wait
                at = frame_location(wait.frame) if wait.frame is not None else None
                waits = WaitNode(rkey, at)
        return TaskNode(key, name, waits, None, None, stack)

    def _resource_node(self, key: str, prim: Any) -> ResourceNode:
        if isinstance(prim, Wait):
            return self._wait_node(key, prim)
        created = prim._adl_created
        created_at = None if created is None else location(*created)
        name = None if created is None else created_name(*created)
        pending = self.wakers.may_release(prim)
        if is_lock(prim):
            owner = prim._adl_owner if prim._locked else None
            holders: tuple[HoldNode, ...] = ()
            if owner is not None:
                since = location(prim._adl_code, prim._adl_lasti)
                holders = (HoldNode(self.add_state(owner), since, *_handed_over(prim)),)
            exclusive = owner is not None and not prim._adl_shared and not pending
            return ResourceNode(
                key, "Lock", holders, exclusive=exclusive, name=name, created_at=created_at
            )
        entries = dict(prim.__dict__.get("_adl_holders") or {})
        holders = tuple(
            HoldNode(self.add_state(st), location(code, lasti))
            for st, (count, code, lasti) in entries.items()
            if count > 0
        )
        held = sum(count for count, _, _ in entries.values())
        total = prim._adl_total
        exclusive = (
            total is not None
            and not prim._adl_shared
            and prim._value <= 0
            and held >= total
            and not pending
        )
        kind = type(prim).__name__
        return ResourceNode(
            key,
            kind,
            holders,
            exclusive=exclusive,
            name=name,
            created_at=created_at,
            detail=_units_free(kind, prim._value, total),
        )

    def _wait_node(self, key: str, wait: Wait) -> ResourceNode:
        holders = tuple(HoldNode(self.add_task(t), None) for t in wait.holders)
        name = None
        if wait.type == "Task" and wait.holders:
            name = str(wait.holders[0].get_name())
        created = getattr(wait.obj, "_adl_created", None)
        created_at = None
        if created is not None:
            created_at = location(*created)
            name = created_name(*created)
        return ResourceNode(
            key,
            wait.type,
            holders,
            mode=wait.mode,
            exclusive=wait.exclusive and bool(holders),
            name=name,
            created_at=created_at,
        )


def _units_free(kind: str, free: int, total: int | None) -> str | None:
    """How much of a counted primitive is free ("0 of 3 permits free"); None for a lock
    (anyio's are counted as one permit), where "held by" says it all."""
    if kind.endswith("Lock"):
        return None
    unit = "tokens" if kind.endswith("CapacityLimiter") else "permits"
    return f"{max(free, 0)} of {total if total is not None else '?'} {unit} free"


def _handed_over(prim: Any) -> tuple[str | None, Location | None]:
    """Who released the lock its holder took from the waiting queue, and where."""
    released = handed_over_by(prim)
    if released is None:
        return None, None
    st, code, lasti = released
    at = None if code is None or is_internal(code) else location(code, lasti)
    return (st.name() if st is not None else None), at


def _ending(st: TaskState | None, task: Any) -> tuple[str | None, str | None]:
    """How the task ended (None if it is alive) and the exception it raised."""
    if st is not None and st.ended is not None:
        return st.ended, st.exception
    if task is None:
        return DESTROYED, None
    if not task.done():
        return None, None
    if task.cancelled():
        return CANCELLED, None
    exc = task._exception
    if exc is None:
        return RETURNED, None
    return RAISED, describe_exception(exc)
