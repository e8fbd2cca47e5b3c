"""Who could wake a task parked on an Event, Queue, Condition, Future or signal semaphore.

Read once, when a loop has stalled: the tasks that did it before (wakerecord.py) and the
tasks that can reach the primitive at all, found by following the references to it back
(`gc.get_referrers`, a few steps) to the frames of the loop's tasks. When every reference
leads to a task, or to the primitive's own waiters, the set of possible wakers is exact;
a reference from anywhere else (a module global, a class, another thread's frame, an
object no task holds) makes it a guess.
"""

from __future__ import annotations

import dis
import gc
from types import FrameType, ModuleType
from typing import Any

from aiodeadlock.instrument.introspect import suspended_frames
from aiodeadlock.instrument.livegraph import LiveGraph
from aiodeadlock.instrument.primitives import is_owned_primitive
from aiodeadlock.instrument.sites import is_internal, location
from aiodeadlock.instrument.taskstate import TaskState
from aiodeadlock.instrument.waits import Wait
from aiodeadlock.instrument.wakerecord import last_waker
from aiodeadlock.model.waitgraph import HoldNode, WakeSet

#: The methods that end each type of wait (as LiveGraph names it).
METHODS = {
    "Event": ("set",),
    "Condition": ("notify", "notify_all"),
    "Queue.get": ("put", "put_nowait"),
    "Queue.put": ("get", "get_nowait"),
    "Queue.join": ("task_done",),
    "Future": ("set_result", "set_exception", "cancel"),
    "Semaphore": ("release",),
    "BoundedSemaphore": ("release",),
}
#: Containers followed back from the primitive before a reference counts as unknown.
MAX_DEPTH = 3
#: Containers followed at one step, at most (more: the wakers are a guess).
MAX_WIDTH = 64


def wakers_of(graph: LiveGraph, rkey: str, waiters: set[str], tasks: list[Any]) -> WakeSet | None:
    """The possible wakers of the waits on resource `rkey` (None: not a kind of wait that
    tasks wake); `waiters`: keys of the tasks waiting on it; `tasks`: the loop's tasks.

    A waker is a task that can reach the primitive and still has, in a function it is in
    the middle of, a call of a method that ends the wait (`ev.set()`...) ahead of where it
    waits (or in a loop around it): a task that merely has the primitive in hand is not
    one. For a queue, the tasks that took an item last and still have a `put` ahead hold
    a unit of it (a pool), whether they wait on it or not.
    """
    entry = graph.prims.get(rkey)
    if isinstance(entry, Wait):
        kind, prim = entry.type, entry.obj
    elif is_owned_primitive(entry):
        kind, prim = type(entry).__name__, entry
    else:
        return None
    methods = METHODS.get(kind)
    if methods is None or prim is None:
        return None
    owners, keep = _owners(tasks)
    ours = {id(graph.prims), id(graph.tasks), id(keep), id(tasks), id(owners)}
    for value in graph.prims.values():
        if isinstance(value, Wait):
            ours.add(id(value))
            ours.add(id(value.__dict__))
    try:
        found, exact, names = _trace(prim, owners, ours)
    finally:  # (frames among them would otherwise make reference cycles with ours)
        keep.clear()
        owners.clear()
    if names:  # a global: the tasks whose code reads that name can reach it too
        found += [t for t in _reading(tasks, names) if t not in found]
    did = last_waker(prim) if kind != "Queue.put" else None
    if did is not None and isinstance(did[0], TaskState) and not exact:
        task = did[0].task()  # (a guess anyway: the last one that did, if it is alive)
        if task is not None and not task.done() and task not in found:
            found.append(task)
    units: list[HoldNode] = []
    if kind == "Queue.get":
        units, sure = _units(graph, prim, found, methods)
        exact = exact and sure
    taken = {u.task for u in units}
    wakers: list[HoldNode] = []
    for task in found:
        key = graph.add_task(task)
        if key in waiters or key in taken:
            continue
        calls = _will_call(task, methods, prim)
        if calls is False:
            continue
        if calls is None:  # a call that may be on it: a waker, but only a guess
            exact = False
        since = None
        if did is not None and isinstance(did[0], TaskState) and did[0].task() is task:
            code = did[1]
            since = None if code is None or is_internal(code) else location(code, did[2])
        wakers.append(HoldNode(key, since))
    return WakeSet(tuple(wakers), exact, methods[0], tuple(units))


def _units(
    graph: LiveGraph, queue: Any, found: list[Any], methods: tuple[str, ...]
) -> tuple[list[HoldNode], bool]:
    """Tasks that took an item of `queue` last, have not put one back, and have a `put`
    ahead: they hold a unit of a pool. (And False if a `put` ahead may not be on it.)"""
    units = []
    sure = True
    for task in found:
        st = getattr(task, "_adl_st", None)
        if st is None or st.took != id(queue):
            continue
        calls = _will_call(task, methods, queue)
        if calls is False:
            continue
        sure = sure and calls is True
        since = None
        if st.took_at is not None and not is_internal(st.took_at[0]):
            since = location(*st.took_at)
        units.append(HoldNode(graph.add_task(task), since))
    return units, sure


def _will_call(task: Any, methods: tuple[str, ...], prim: Any) -> bool | None:
    """Does a user frame the task is suspended in call one of `methods` of `prim` ahead of
    where it is (or in a loop around that point)? True when such a call's receiver is
    `prim` now (`ev.set()`, `self.ready.set()`, `READY.set()`), None when some call's
    receiver cannot be read without running code (a subscript, a property: maybe),
    False when there is none."""
    try:
        frames = suspended_frames(task)
    except Exception:  # a coroutine-like object we do not understand
        return False
    maybe = False
    for frame in frames:
        if is_internal(frame.f_code):
            continue
        calls, loops = _code_facts(frame.f_code, methods)
        here = frame.f_lasti
        ahead = [r for at, r in calls if at > here]
        for start, end in loops:  # a loop around where it is, with such calls in it
            if start <= here < end:
                ahead += [r for at, r in calls if start <= at < end]
        for receiver in ahead:
            found = _receiver(frame, receiver)
            if found is prim:
                return True
            maybe = maybe or found is _UNKNOWN
    return None if maybe else False


#: A receiver that cannot be read (see _receiver).
_UNKNOWN = object()


def _receiver(frame: Any, receiver: tuple[str, ...] | None) -> Any:
    """The object a call's receiver names in `frame` now: `("local", "self", "ready")` is
    `self.ready`. Attributes are read from instance dictionaries only (no code runs);
    _UNKNOWN when that is not enough."""
    if receiver is None:
        return _UNKNOWN
    scope, base, *attrs = receiver
    try:
        if scope == "local":
            obj = frame.f_locals.get(base, _UNKNOWN)
        else:
            obj = frame.f_globals.get(base, _UNKNOWN)
        for attr in attrs:
            if obj is _UNKNOWN:
                return obj
            try:
                attrs_of = object.__getattribute__(obj, "__dict__")
            except AttributeError:
                return _UNKNOWN
            obj = attrs_of.get(attr, _UNKNOWN) if isinstance(attrs_of, dict) else _UNKNOWN
    except Exception:  # a frame or object we cannot read
        return _UNKNOWN
    return obj


_Calls = list[tuple[int, tuple[str, ...] | None]]
_FACTS: dict[tuple[int, tuple[str, ...]], tuple[Any, _Calls, list[tuple[int, int]]]] = {}
_LOCAL_LOADS = ("LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_FAST_BORROW", "LOAD_DEREF", "LOAD_CLOSURE")
_GLOBAL_LOADS = ("LOAD_GLOBAL", "LOAD_NAME")


def _loop_jump(ins: dis.Instruction) -> bool:
    """A backward jump that closes a `for` or `while` loop (not the resend loop of an
    `await`, nor the jump back from an exception handler, which has no line of its own)."""
    if "JUMP" not in ins.opname or "NO_INTERRUPT" in ins.opname:
        return False
    if not isinstance(ins.argval, int) or ins.argval >= ins.offset:
        return False
    positions = getattr(ins, "positions", None)  # 3.11+
    return positions is None or positions.lineno is not None


def _code_facts(code: Any, methods: tuple[str, ...]) -> tuple[_Calls, list[tuple[int, int]]]:
    """Where in `code` one of `methods` is looked up (offset, and the receiver as a name
    and attributes, None if it is not that simple), and its loops (start, end)."""
    key = (id(code), methods)
    hit = _FACTS.get(key)
    if hit is not None and hit[0] is code:
        return hit[1], hit[2]
    calls: _Calls = []
    loops: list[tuple[int, int]] = []
    instructions = list(dis.get_instructions(code))
    for i, ins in enumerate(instructions):
        if ins.opname in ("LOAD_ATTR", "LOAD_METHOD") and ins.argval in methods:
            calls.append((ins.offset, _receiver_of(instructions, i)))
        elif _loop_jump(ins):
            loops.append((ins.argval, ins.offset))
    if len(_FACTS) > 1024:
        _FACTS.clear()
    _FACTS[key] = (code, calls, loops)
    return calls, loops


def _receiver_of(instructions: list[dis.Instruction], i: int) -> tuple[str, ...] | None:
    """The receiver of the method looked up by instruction `i`, if it is a name followed by
    attributes (`ev`, `self.ready`, `READY`), as ("local" or "global", name, *attributes)."""
    attrs: list[str] = []
    for ins in reversed(instructions[max(0, i - 8) : i]):
        if ins.opname == "LOAD_ATTR" and isinstance(ins.argval, str):
            attrs.append(ins.argval)
        elif ins.opname in _LOCAL_LOADS and isinstance(ins.argval, str):
            return ("local", ins.argval, *reversed(attrs))
        elif ins.opname in _GLOBAL_LOADS and isinstance(ins.argval, str):
            return ("global", ins.argval, *reversed(attrs))
        else:
            return None
    return None


def _owners(tasks: list[Any]) -> tuple[dict[int, Any], list[Any]]:
    """id of each frame, coroutine and locals dict of the tasks -> its task (and the
    objects themselves, kept alive while their ids are used)."""
    owners: dict[int, Any] = {}
    keep: list[Any] = []
    for task in tasks:
        if task.done():
            continue
        owners[id(task)] = task  # (a task refers to the future it waits on)
        coro = task.get_coro()
        for _ in range(200):
            if coro is None:
                break
            owners[id(coro)] = task
            keep.append(coro)
            coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
        try:
            frames = suspended_frames(task)
        except Exception:  # a coroutine-like object we do not understand
            continue
        for frame in frames:
            owners[id(frame)] = task
            keep.append(frame)
            local = frame.f_locals
            if type(local) is dict:  # (3.13+ gives a new proxy each time: nothing to map)
                owners[id(local)] = task
                keep.append(local)
    return owners, keep


def _reading(tasks: list[Any], names: set[str]) -> list[Any]:
    """The unfinished tasks with a user frame whose code reads one of the global `names`."""
    found = []
    for task in tasks:
        try:
            frames = [] if task.done() else suspended_frames(task)
        except Exception:  # a coroutine-like object we do not understand
            continue
        if any(names & set(f.f_code.co_names) for f in frames if not is_internal(f.f_code)):
            found.append(task)
    return found


def _trace(prim: Any, owners: dict[int, Any], ours: set[int]) -> tuple[list[Any], bool, set[str]]:
    """The tasks whose frames reach `prim`, whether every reference was traced, and the
    names of the module globals it is reached from.

    Breadth first: one heap walk per step back from `prim` (MAX_DEPTH + 1 at most), for
    all the containers found at the step before at once."""
    found: list[Any] = []
    names: set[str] = set()
    level: list[Any] = [prim]
    walked: list[list[Any]] = []  # (kept: their ids stay theirs while in `ours`)
    ours = ours | {id(prim), id(found), id(walked)}
    try:
        exact = _walk(level, owners, ours, walked, found, names)
    finally:  # a list of referrers may hold a frame whose locals hold the list
        for refs in walked:
            refs.clear()
        walked.clear()
        level.clear()
    return found, exact, names


def _walk(
    level: list[Any],
    owners: dict[int, Any],
    ours: set[int],
    walked: list[list[Any]],
    found: list[Any],
    names: set[str],
) -> bool:
    exact = True
    for depth in range(MAX_DEPTH + 1):
        ours.add(id(level))
        refs = gc.get_referrers(*level)
        walked.append(refs)
        ours.add(id(refs))
        targets = {id(obj) for obj in level}
        nxt: list[Any] = []
        walked.append(nxt)
        ours.add(id(nxt))
        for ref in refs:
            rid = id(ref)
            if rid in ours:
                continue
            task = owners.get(rid)
            if task is not None:
                if task not in found:
                    found.append(task)
                continue
            if isinstance(ref, (Wait, TaskState)) or _args_of_walk(ref, level):
                continue
            if isinstance(ref, FrameType):
                if not is_internal(ref.f_code):
                    exact = False  # a frame of no task (another thread, the main program)
                continue
            if _is_module_dict(ref):
                exact = False
                names.update(k for k, v in ref.items() if id(v) in targets and isinstance(k, str))
                continue
            if isinstance(ref, (ModuleType, type)) or depth >= MAX_DEPTH:
                exact = False
                continue
            ours.add(rid)
            nxt.append(ref)
        if not nxt:
            return exact
        if len(nxt) > MAX_WIDTH:
            return False
        level = nxt
    return exact


def _args_of_walk(ref: Any, level: list[Any]) -> bool:
    """The argument tuple of our own get_referrers call (3.14+ lists it among them)."""
    if type(ref) is not tuple or len(ref) != len(level):
        return False
    return all(a is b for a, b in zip(ref, level, strict=True))


def _is_module_dict(obj: Any) -> bool:
    return isinstance(obj, dict) and "__name__" in obj and "__builtins__" in obj
