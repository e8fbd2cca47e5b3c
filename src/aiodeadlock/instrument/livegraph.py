"""The wait-for graph read from live tasks and instrumented primitives, expanded lazily."""

from __future__ import annotations

import asyncio
from asyncio import locks
from typing import Any

from aiodeadlock.instrument.introspect import task_stack
from aiodeadlock.instrument.naming import assigned_name
from aiodeadlock.instrument.sites import location
from aiodeadlock.instrument.taskstate import (
    CANCELLED,
    RAISED,
    RETURNED,
    TaskState,
    describe_exception,
)
from aiodeadlock.model.location import Location
from aiodeadlock.model.waitgraph import HoldNode, ResourceNode, TaskNode, WaitNode

DESTROYED = "destroyed"


def task_key(st: TaskState) -> str:
    return f"T{st.task_id:x}"


def resource_key(prim: object) -> str:
    return f"R{id(prim):x}"


class LiveGraph:
    """A GraphView over TaskStates and the primitives they wait on and hold."""

    def __init__(self, current: TaskState | None = None) -> None:
        self.current = current
        self.states: dict[str, TaskState] = {}
        self.prims: dict[str, Any] = {}
        self._tasks: dict[str, TaskNode] = {}
        self._resources: dict[str, ResourceNode] = {}

    def add_state(self, st: TaskState) -> str:
        key = task_key(st)
        self.states[key] = st
        return key

    # GraphView ---------------------------------------------------------------------

    def task(self, key: str) -> TaskNode:
        node = self._tasks.get(key)
        if node is None:
            node = self._tasks[key] = self._task_node(self.states[key])
        return node

    def resource(self, key: str) -> ResourceNode:
        node = self._resources.get(key)
        if node is None:
            node = self._resources[key] = self._resource_node(self.prims[key])
        return node

    # building ----------------------------------------------------------------------

    def _task_node(self, st: TaskState) -> TaskNode:
        key = task_key(st)
        task = st.task()
        ended, exception = _ending(st, task)
        waits = None
        if ended is None and st.waiting is not None:
            prim = st.waiting
            rkey = resource_key(prim)
            self.prims[rkey] = prim
            waits = WaitNode(rkey, location(st.waiting_code, st.waiting_lasti))
        stack: tuple[Location, ...] = ()
        if task is not None and ended is None:
            stack = task_stack(task, running=st is self.current)
        return TaskNode(key, st.name(), waits, ended, exception, stack)

    def _resource_node(self, prim: Any) -> ResourceNode:
        key = resource_key(prim)
        created = prim._adl_created
        created_at = None if created is None else location(*created)
        name = None if created_at is None else assigned_name(created_at.file, created_at.line)
        pending = _release_pending(prim)
        if isinstance(prim, locks.Lock):
            owner = prim._adl_owner if prim._locked else None
            holders: tuple[HoldNode, ...] = ()
            if owner is not None:
                holders = (HoldNode(self.add_state(owner), location(prim._adl_code, prim._adl_lasti)),)
            exclusive = owner is not None and not prim._adl_shared and not pending
            return ResourceNode(key, "Lock", holders, exclusive=exclusive, name=name,
                                created_at=created_at)
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
        detail = f"{max(prim._value, 0)} of {total if total is not None else '?'} permits free"
        return ResourceNode(key, type(prim).__name__, holders, exclusive=exclusive, name=name,
                            created_at=created_at, detail=detail)


def _ending(st: TaskState, task: Any) -> tuple[str | None, str | None]:
    """How the task ended (None if it is alive) and the exception it raised."""
    if st.ended is not None:
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


def _release_pending(prim: object) -> bool:
    """True if a callback waiting in the running loop refers to `prim` (it may release it)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return False
    handles = list(getattr(loop, "_ready", ())) + list(getattr(loop, "_scheduled", ()))
    for handle in handles:
        if getattr(handle, "_cancelled", False):
            continue
        callback = getattr(handle, "_callback", None)
        if getattr(callback, "__self__", None) is prim:
            return True
        if any(arg is prim for arg in getattr(handle, "_args", None) or ()):
            return True
    return False
