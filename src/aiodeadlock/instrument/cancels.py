"""Cancel requests: which task was asked to stop, when, by whom and where; where it caught
the CancelledError; and, for the detectors, the cancelled tasks that have not ended.

What is pending is read from asyncio itself: `Task.cancelling()` (3.11+) counts the cancel
requests not taken back by `uncancel()` (asyncio.timeout and TaskGroup take theirs back),
so a task counts as cancelled exactly while that count is above zero. On 3.10 there is no
such count, and nothing is reported.

Who asked, and where, is recorded on 3.12+ by a `sys.monitoring` tool, since the methods
of C tasks cannot be patched: a CALL event per call site, where every site whose callee is
not a `cancel` method is disabled after its first call (a program pays for each of its call
sites once, then nothing), and a request to cancel a task is recorded with the line of the
nearest user frame (or of asyncio's, from a loop callback: a timeout). While such a task has
not ended, an EXCEPTION_HANDLED event tells where its CancelledError was caught; that event
is switched off again when no recorded task is left. Elsewhere (3.11), a cancel is dated
from the first scan that sees it, and who asked is not known.
"""

from __future__ import annotations

import ast
import asyncio
import linecache
import sys
import time
import types
import weakref
from asyncio import runners
from dataclasses import dataclass, field
from types import CodeType, FrameType
from typing import Any

from aiodeadlock.instrument import sites, taskstate, waits
from aiodeadlock.instrument.introspect import suspended_frames, user_stack
from aiodeadlock.instrument.livegraph import LiveGraph, task_key
from aiodeadlock.instrument.sites import frame_location, is_internal, location, user_frame
from aiodeadlock.model.location import Location
from aiodeadlock.model.waitgraph import ALL

_TASKS = (asyncio.Task, asyncio.tasks._PyTask)  # type: ignore[attr-defined]
#: Task.cancelling() exists: uncancel() is counted (3.11+).
COUNTS_CANCELS = hasattr(asyncio.Task, "cancelling")
#: Requests and catches are recorded through sys.monitoring (3.12+).
MONITORS = hasattr(sys, "monitoring")
#: At most this many recorded requests; the oldest records of ended tasks go first.
RECORD_LIMIT = 10_000
#: Waits that any one of several tasks ends (FIRST_COMPLETED, the next of as_completed).
_ANY_OF = ("asyncio.wait", "asyncio.as_completed")


@dataclass
class CancelRecord:
    """A cancel request of one task (the first one still pending)."""

    ref: Any  # weakref.ref to the task
    requested: float  # time.monotonic() of the request (or of the first look that saw it)
    at: Location | None = None  # where cancel() was called (the nearest user frame)
    #: Who called it: "task 'name'", "asyncio.run's shutdown", "a loop callback" (None:
    #: not known).
    by: str | None = None
    via: str | None = None  # the awaiting task whose cancel was passed on to this one
    seen_only: bool = False  # dated by a scan, not by the request itself
    caught_at: Location | None = None  # where its CancelledError was last caught
    looked: bool = False  # read by a check once it was a grace period old


@dataclass(frozen=True)
class Awaiter:
    """Something that waits for a cancelled task to end."""

    key: str  # task key, or "shutdown" for asyncio.run's shutdown
    name: str
    at: Location | None  # where it waits
    stack: tuple[Location, ...] = ()


@dataclass(frozen=True)
class PendingCancel:
    """A task with a cancel request pending, as the detectors read it (detectors/cancels.py)."""

    key: str
    name: str
    pending_for: float  # seconds since the request (or since it was first seen)
    requested_at: Location | None
    requested_by: str | None
    via: str | None
    caught_at: Location | None
    handling: bool  # inside an except/finally block or an __aexit__: cleaning up
    waits_at: Location | None
    stack: tuple[Location, ...]
    awaiters: tuple[Awaiter, ...] = field(default=())
    requests: int = 1


class CancelRecorder:
    """Cancel requests of every task of the process, while a detector is open."""

    def __init__(self) -> None:
        self.records: dict[int, CancelRecord] = {}
        #: Where a task holding instrumented primitives was when it was cancelled (where
        #: it ends, if the cancel ends it), by its record.
        self.holders_at: weakref.WeakKeyDictionary[Any, Location] = weakref.WeakKeyDictionary()
        self._tool: int | None = None
        self._catching = False

    # switching on and off ------------------------------------------------------------

    def open(self) -> None:
        if not MONITORS or self._tool is not None:
            return
        mon = _monitoring()
        for tool in (4, 3):  # ids no standard tool claims (debugger 0, coverage 1...)
            if mon.get_tool(tool) is None:
                break
        else:
            return  # every free id is taken: go without sites
        try:
            mon.use_tool_id(tool, "aiodeadlock")
            mon.register_callback(tool, mon.events.CALL, self._on_call)
            mon.register_callback(tool, mon.events.EXCEPTION_HANDLED, self._on_handled)
            mon.set_events(tool, mon.events.CALL)
        except (ValueError, RuntimeError):
            return
        self._tool = tool

    def close(self) -> None:
        tool, self._tool = self._tool, None
        self.records.clear()
        self.holders_at.clear()
        self._catching = False
        if tool is None:
            return
        mon = _monitoring()
        try:
            mon.set_events(tool, 0)
            mon.register_callback(tool, mon.events.CALL, None)
            mon.register_callback(tool, mon.events.EXCEPTION_HANDLED, None)
            mon.free_tool_id(tool)
        except (ValueError, RuntimeError):
            pass

    def _catch(self, on: bool) -> None:
        """Watch where CancelledErrors are caught only while a recorded task is pending."""
        if on == self._catching or self._tool is None:
            return
        self._catching = on
        mon = _monitoring()
        events = mon.events.CALL | (mon.events.EXCEPTION_HANDLED if on else 0)
        try:
            mon.set_events(self._tool, events)
        except (ValueError, RuntimeError):
            pass

    # the monitoring callbacks ----------------------------------------------------------

    def _on_call(self, code: CodeType, offset: int, func: Any, arg0: Any) -> Any:
        kind = type(func)
        if kind not in _CALLABLE_TYPES:
            return _DISABLE
        if func.__name__ != "cancel":
            return _DISABLE
        task = arg0 if isinstance(arg0, _TASKS) else getattr(func, "__self__", None)
        if isinstance(task, _TASKS):
            try:
                self.requested(task, sys._getframe(1))
            except Exception:  # never let the recording break the program's call
                pass
        return None

    def _on_handled(self, code: CodeType, offset: int, exc: BaseException) -> Any:
        if not isinstance(exc, asyncio.CancelledError) or is_internal(code):
            return None
        try:
            task = _current_task()
        except RuntimeError:
            return None
        rec = self.records.get(id(task)) if task is not None else None
        if rec is not None and rec.ref() is task:
            rec.caught_at = _handler_location(code, offset)
        return None

    # recording -----------------------------------------------------------------------

    def requested(self, task: Any, frame: FrameType | None) -> None:
        """`task.cancel()` is about to be called from `frame`."""
        if task.done():
            return
        at, by = _site(frame)
        self._record(task, at, by, None)
        st = taskstate.states.get(id(task))
        if st is not None and st.held and st() is task:
            stack = user_stack(_frames(task))
            if stack:
                self.holders_at[st] = stack[-1]
        # A task cancels what it awaits (from C code, no call to see): the same request.
        fut, via, hops = getattr(task, "_fut_waiter", None), task, 0
        while isinstance(fut, _TASKS) and not fut.done() and hops < 20:
            self._record(fut, at, by, str(via.get_name()))
            via, fut, hops = fut, getattr(fut, "_fut_waiter", None), hops + 1

    def _record(self, task: Any, at: Location | None, by: str | None, via: str | None) -> None:
        rec = self.records.get(id(task))
        if rec is not None and rec.ref() is task and _cancelling(task) > 0:
            return  # the first request still pending is the one that counts
        if len(self.records) >= RECORD_LIMIT:
            self.prune()
            if len(self.records) >= RECORD_LIMIT:
                return
        self.records[id(task)] = CancelRecord(weakref.ref(task), time.monotonic(), at, by, via)
        self._catch(True)

    def ended_at(self, handle: Any) -> Location | None:
        """Where a finished task (or its record) ended, when known."""
        return ended_at(handle, self.holders_at)

    def prune(self) -> None:
        """Forget requests of tasks that ended, were freed or took their cancel back."""
        for key, rec in list(self.records.items()):
            task = rec.ref()
            if task is None or task.done() or (COUNTS_CANCELS and _cancelling(task) == 0):
                del self.records[key]
        if not self.records:
            self._catch(False)

    # what the detectors read ---------------------------------------------------------

    def first_unread(self, loop: Any) -> float | None:
        """When the oldest request still pending on a task of `loop` that no check read
        at its maturity was made (None: there is none): a check is due a grace period later."""
        first = None
        for rec in self.records.values():
            if rec.looked or (first is not None and rec.requested >= first):
                continue
            task = rec.ref()
            if task is None or task.done() or (COUNTS_CANCELS and _cancelling(task) <= 0):
                continue  # (ended, or its cancel was taken back: nothing to read)
            if task.get_loop() is loop:
                first = rec.requested
        return first

    def pending(
        self, loop: Any, tasks: list[Any], grace: float, mature: float | None = None
    ) -> list[PendingCancel]:
        """The tasks of `loop` (among `tasks`, its unfinished ones) with a cancel request
        pending for at least `grace` seconds, each with what waits for it to end. Requests
        at least `mature` seconds old (default: `grace`) count as read (`first_unread`)."""
        mature = grace if mature is None else mature
        self.prune()
        if not COUNTS_CANCELS:
            return []
        now = time.monotonic()
        due: list[tuple[Any, CancelRecord]] = []
        for task in tasks:
            if task.done() or _cancelling(task) <= 0:
                continue
            rec = self.records.get(id(task))
            if rec is None or rec.ref() is not task:
                rec = CancelRecord(weakref.ref(task), now, seen_only=True)
                self.records[id(task)] = rec
                self._catch(True)
            if now - rec.requested >= mature:
                rec.looked = True
            if now - rec.requested >= grace:
                due.append((task, rec))
        if not due:
            return []
        awaiting = _awaiters(loop, tasks, [t for t, _ in due])
        out = []
        for task, rec in due:
            frames = _frames(task)
            stack = user_stack(frames)
            out.append(
                PendingCancel(
                    key=task_key(id(task)),
                    name=str(task.get_name()),
                    pending_for=now - rec.requested,
                    requested_at=rec.at,
                    requested_by=rec.by,
                    via=rec.via,
                    caught_at=rec.caught_at,
                    handling=_handling(frames),
                    waits_at=stack[-1] if stack else None,
                    stack=stack,
                    awaiters=tuple(awaiting.get(id(task), ())),
                    requests=_cancelling(task),
                )
            )
        return out


def _handler_location(code: CodeType, offset: int) -> Location | None:
    """The line of an exception handler that starts at `offset` (its first instructions
    carry no line number: the first one after them that does)."""
    for start, end, line in code.co_lines():
        if line is not None and end > offset:
            return location(code, max(start, offset))
    return location(code, offset)


def _cancelling(task: Any) -> int:
    try:
        return int(task.cancelling())
    except (AttributeError, TypeError):
        return 0


def _monitoring() -> Any:
    """sys.monitoring (3.12+)."""
    return getattr(sys, "monitoring")  # noqa: B009 (mypy checks for 3.10)


_DISABLE = getattr(getattr(sys, "monitoring", None), "DISABLE", None)
_CALLABLE_TYPES = {
    types.MethodDescriptorType,  # Task.cancel of C tasks, called as task.cancel()
    types.BuiltinMethodType,  # a bound C method (c = task.cancel; c())
    types.FunctionType,  # pure-Python tasks, subclasses
    types.MethodType,  # a bound Python method
}


def _current_task() -> Any:
    loop = asyncio.events._get_running_loop()
    return None if loop is None else asyncio.current_task(loop)


def _site(frame: FrameType | None) -> tuple[Location | None, str | None]:
    """Where a cancel was asked for (the nearest user frame, else asyncio's own), and by
    whom: `task 'name'`, `asyncio.run's shutdown` or `a loop callback`."""
    try:
        task = _current_task()
    except RuntimeError:
        task = None
    user = user_frame(frame)
    if task is not None:
        by = f"task {str(task.get_name())!r}"
    elif _shutdown_frame(frame) is not None:
        by = "asyncio.run's shutdown"
    elif user is None:
        by = "a loop callback"
    else:
        by = None
    if user is not None:
        return frame_location(user), by
    return (frame_location(frame) if frame is not None else None), by


def _shutdown_frame(frame: FrameType | None) -> FrameType | None:
    """The frame of asyncio.run's shutdown (`_cancel_all_tasks`) at or above `frame`."""
    code = getattr(_CANCEL_ALL, "__code__", None)
    for _ in range(60):
        if frame is None or code is None:
            return None
        if frame.f_code is code:
            return frame
        frame = frame.f_back
    return None


def _frames(task: Any) -> list[FrameType]:
    try:
        return suspended_frames(task)
    except Exception:  # a coroutine-like object we do not understand
        return []


# -- is the task cleaning up? ----------------------------------------------------------------

_HANDLER_LINES: dict[str, list[tuple[int, int]]] = {}
_TRY_NODES: tuple[type[ast.Try], ...] = (ast.Try, getattr(ast, "TryStar", ast.Try))
_MAX_SOURCE = 2_000_000


def _handling(frames: list[FrameType]) -> bool:
    """True if the task is inside an except or finally block, or an `__aexit__`, in any
    frame of its await chain: it is handling an exception (its cancel, maybe slowly)."""
    for frame in frames:
        code = frame.f_code
        if code.co_name == "__aexit__":
            return True
        line = frame.f_lineno
        if line and any(a <= line <= b for a, b in _handler_lines(code.co_filename)):
            return True
    return False


def _handler_lines(filename: str) -> list[tuple[int, int]]:
    """Line ranges of every except and finally block of a source file (cached)."""
    found = _HANDLER_LINES.get(filename)
    if found is not None:
        return found
    found = []
    lines = linecache.getlines(filename)
    if lines and sum(map(len, lines)) <= _MAX_SOURCE:
        try:
            tree = ast.parse("".join(lines))
        except (SyntaxError, ValueError):
            tree = None
        for node in ast.walk(tree) if tree is not None else ():
            if isinstance(node, _TRY_NODES):
                for h in node.handlers:
                    found.append((h.lineno, h.end_lineno or h.lineno))
                if node.finalbody:
                    last = node.finalbody[-1]
                    found.append((node.finalbody[0].lineno, last.end_lineno or last.lineno))
    if len(_HANDLER_LINES) > 512:
        _HANDLER_LINES.clear()
    _HANDLER_LINES[filename] = found
    return found


# -- who waits for a cancelled task ------------------------------------------------------------

_CANCEL_ALL = getattr(runners, "_cancel_all_tasks", None)


def _awaiters(loop: Any, tasks: list[Any], cancelled: list[Any]) -> dict[int, list[Awaiter]]:
    """For each of `cancelled`, the tasks that wait for it to end, and asyncio.run's
    shutdown if it does."""
    wanted = {task_key(id(t)): t for t in cancelled}
    out: dict[int, list[Awaiter]] = {}
    graph = LiveGraph(loop=loop, stacks=False, wakers=False)
    for other in tasks:
        if other.done() or not waits.may_be_exclusive(other):
            continue
        try:
            node = graph.task(graph.add_task(other))
            if node.waits is None:
                continue
            res = graph.resource(node.waits.resource)
        except Exception:  # a task or wait we cannot read: it does not count
            continue
        holders = [h.task for h in res.holders]
        # A wait that any one of several tasks ends (asyncio.wait FIRST_COMPLETED, the
        # next of as_completed) is stuck on a cancelled task only when it is the last one.
        if res.mode != ALL and res.type in _ANY_OF and len(holders) > 1:
            continue
        for key in holders:
            task = wanted.get(key)
            if task is not None and task is not other:
                stack = user_stack(_frames(other))
                out.setdefault(id(task), []).append(
                    Awaiter(task_key(id(other)), str(other.get_name()), node.waits.at, stack)
                )
    shutdown = _shutdown_gather()
    if shutdown is not None:
        frame, pending = shutdown
        at = frame_location(frame)
        for task in cancelled:
            if any(t is task for t in pending):
                out.setdefault(id(task), []).append(Awaiter("shutdown", "asyncio.run", at))
    return out


def _shutdown_gather() -> tuple[FrameType, list[Any]] | None:
    """If this thread is in asyncio.run's shutdown (waiting for the tasks it cancelled),
    the user frame that called asyncio.run and those tasks."""
    frame = _shutdown_frame(sys._getframe(1))
    if frame is None:
        return None
    pending = list(frame.f_locals.get("to_cancel") or ())
    outer: FrameType | None = frame
    while outer is not None and is_internal(outer.f_code):
        outer = outer.f_back
    return (outer or frame), pending


def ended_at(handle: Any, holders_at: Any = None) -> Location | None:
    """Where a task that held something ended: for one that raised, the innermost user
    frame of its traceback; for one that was cancelled, where it was when the cancel was
    asked for (recorded on 3.12+, in `holders_at`). None when not known."""
    st = handle if isinstance(handle, taskstate.TaskState) else None
    if st is None:
        st = taskstate.states.get(id(handle))
        if st is None or st() is not handle:
            return None
    if st.ended == taskstate.CANCELLED:
        return None if holders_at is None else holders_at.get(st)
    tb = st.exception_tb
    if not tb:
        return None
    found = None
    for entry in tb:
        for part in entry.splitlines():
            loc = _traceback_line(part)
            if loc is not None and not _internal_file(loc.file):
                found = loc
    return found


def _traceback_line(text: str) -> Location | None:
    text = text.strip()
    if not text.startswith('File "'):
        return None
    try:
        name, rest = text[6:].split('", line ', 1)
        number, _, func = rest.partition(", in ")
        return Location(name, int(number), func.strip() or None)
    except ValueError:
        return None


def _internal_file(filename: str) -> bool:
    return (
        filename.startswith(sites._ASYNCIO_DIR)
        or filename.startswith(sites._OWN_DIR)
        or filename in sites._PLUMBING_FILES
    )
