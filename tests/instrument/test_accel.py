"""The C fast paths of `async with` on Lock and Semaphore record exactly what their Python
twins record, hand every unusual case to them, and are used only when built and wanted."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import re
import subprocess
import sys
import warnings
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

import aiodeadlock
from aiodeadlock._version import __version__
from aiodeadlock.instrument import accel, primitives, taskstate
from aiodeadlock.instrument.sites import line_of

FAST = accel.load()
needs_fast = pytest.mark.skipif(FAST is None, reason="the C fast paths are not in use here")

#: The patched `async with` methods: (class, attribute, C method, Python twin).
METHODS = [
    (asyncio.Lock, "__aenter__", primitives._LOCK_AENTER, primitives.lock_aenter),
    (asyncio.Lock, "__aexit__", primitives._LOCK_AEXIT, primitives.lock_aexit),
    (asyncio.Semaphore, "__aenter__", primitives._SEM_AENTER, primitives.sem_aenter),
    (asyncio.Semaphore, "__aexit__", primitives._SEM_AEXIT, primitives.sem_aexit),
]


# -- which build ------------------------------------------------------------------------


def _version(env_extra: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k != accel.NO_EXTENSIONS}
    env.update(env_extra)
    done = subprocess.run(
        [sys.executable, "-m", "aiodeadlock", "--version"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_version_names_the_build_in_use() -> None:
    try:
        from aiodeadlock.instrument import _fastpaths  # noqa: F401
    except ImportError:
        built = False
    else:
        built = True
    plain = _version({})
    if built:
        assert plain == f"aiodeadlock {__version__} (C fast paths)"
    else:
        assert plain.startswith(f"aiodeadlock {__version__} (pure Python (the C fast paths")
    forced = _version({accel.NO_EXTENSIONS: "1"})
    assert forced == f"aiodeadlock {__version__} (pure Python (AIODEADLOCK_NO_EXTENSIONS is set))"
    assert _version({accel.NO_EXTENSIONS: "0"}) == plain


def test_installed_methods_are_the_build_in_use() -> None:
    # CI runs the suite twice per interpreter: AIODEADLOCK_REQUIRE_EXTENSIONS=1 makes a run
    # that silently fell back to pure Python fail here.
    if os.environ.get("AIODEADLOCK_REQUIRE_EXTENSIONS") == "1":
        assert FAST is not None, "the C fast paths were not built or could not be imported"
    with aiodeadlock.detect():
        for cls, name, fast, twin in METHODS:
            installed = cls.__dict__[name]
            if FAST is None:
                assert installed is twin
            else:
                assert isinstance(installed, FAST.FastMethod)
                assert installed is fast


def _asyncio_says_coroutine_function(func: Any) -> bool:
    with warnings.catch_warnings():  # deprecated in 3.14
        warnings.simplefilter("ignore", DeprecationWarning)
        return asyncio.iscoroutinefunction(func)


@needs_fast
def test_fast_methods_look_like_the_methods_they_replace() -> None:
    with aiodeadlock.detect():
        for cls, name, _fast, twin in METHODS:
            method = cls.__dict__[name]
            bound = getattr(cls(), name)
            for says in (inspect.iscoroutinefunction, _asyncio_says_coroutine_function):
                assert says(method) == says(twin) == says(bound)
            assert _asyncio_says_coroutine_function(method)
            if sys.version_info >= (3, 12):  # inspect.markcoroutinefunction
                assert inspect.iscoroutinefunction(method)
            assert method.__name__ == name
            assert method.__qualname__.endswith(name)
            assert "fast path" in repr(method) and twin.__name__ in repr(method)
            unbound = getattr(cls, name)
            assert unbound is method


# -- the same facts, both builds ---------------------------------------------------------


@contextlib.contextmanager
def _methods(fast: bool) -> Iterator[None]:
    """Within a detect() block: the C methods (fast) or their Python twins on the classes."""
    saved = [(cls, name, cls.__dict__[name]) for cls, name, _f, _t in METHODS]
    for cls, name, c_method, twin in METHODS:
        setattr(cls, name, c_method if fast else twin)
    try:
        yield
    finally:
        for cls, name, method in saved:
            setattr(cls, name, method)


def _plain(value: Any) -> Any:
    """A value recorded on a primitive, comparable across two runs of the same code.

    A site (a code object followed by its bytecode offset) becomes its line and whether it
    was stored inverted (taken by `acquire()`): for an explicit call the offset a C method
    sees is the CALL instruction's and a Python function's the last of its inline caches,
    which are the same line."""
    if isinstance(value, (tuple, list)):
        items = list(value)
        for i in range(len(items) - 1):
            if inspect.iscode(items[i]) and isinstance(items[i + 1], int):
                lasti = items[i + 1]
                line = line_of(items[i], lasti if lasti >= 0 else ~lasti)
                items[i + 1] = ("line", line, lasti >= 0)
        value = type(value)(items)
    if isinstance(value, taskstate.TaskState):
        return ("record", value.name())
    if inspect.iscode(value):
        return ("code", value.co_name, value.co_firstlineno)
    if isinstance(value, asyncio.AbstractEventLoop):
        return "a loop"
    if isinstance(value, (asyncio.Lock, asyncio.Semaphore)):
        return ("primitive", type(value).__name__, getattr(value, "label", None))
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return sorted(((_plain(k), _plain(v)) for k, v in value.items()), key=repr)
    return value


def _seen(prim: Any) -> dict[str, Any]:
    keep = {"_locked", "_value"}
    attrs = sorted(vars(prim).items())
    seen = {k: _plain(v) for k, v in attrs if k.startswith("_adl_") or k in keep}
    if "_adl_ikey" in seen:  # a key made of id(): present, not compared
        seen["_adl_ikey"] = "set"
    if "_adl_code" in seen:  # the holder's site, as above
        seen["_adl_lasti"] = _plain((prim._adl_code, prim._adl_lasti))[1]
    return seen


def _numbered(trace: Any, names: dict[str, str]) -> Any:
    """`trace` with asyncio's task names (Task-N, counted per process) numbered in the
    order they first appear, so that two runs compare."""
    if isinstance(trace, str) and re.fullmatch(r"Task-\d+", trace):
        return names.setdefault(trace, f"task#{len(names)}")
    if isinstance(trace, (list, tuple)):
        return type(trace)(_numbered(t, names) for t in trace)
    if isinstance(trace, dict):
        return {k: _numbered(v, names) for k, v in trace.items()}
    return trace


def _both(scenario: Callable[[list[Any]], Awaitable[None]]) -> list[Any]:
    """Run `scenario` once with each build; assert they saw the same; return one trace."""
    traces = []
    for fast in (True, False):
        trace: list[Any] = []
        with aiodeadlock.detect(), _methods(fast):
            asyncio.run(scenario(trace))
        traces.append(_numbered(trace, {}))
    assert traces[0] == traces[1]
    assert traces[0], "the scenario observed nothing"
    return traces[0]


class Labelled(asyncio.Lock):
    label = "labelled"


class Watched(asyncio.Lock):
    """A subclass that sees every attribute set on it."""

    label = "watched"

    def __init__(self) -> None:
        self.sets: list[str] = []
        super().__init__()

    def __setattr__(self, name: str, value: Any) -> None:
        if name != "sets":
            self.sets.append(name)
        super().__setattr__(name, value)


@needs_fast
def test_lock_block_records_the_same_owner_site_and_chain() -> None:
    async def scenario(trace: list[Any]) -> None:
        outer, inner = asyncio.Lock(), Labelled()
        st = primitives.state_of(asyncio.current_task())
        async with outer:
            async with inner:
                trace += [_seen(outer), _seen(inner), _plain(st.held)]
            trace += [_seen(inner), _plain(st.held)]
        trace += [_seen(outer), _plain(st.held)]

    trace = _both(scenario)
    owned = trace[0]
    assert owned["_locked"] is True and owned["_adl_owner"][0] == "record"
    assert owned["_adl_code"][1] == "scenario"
    assert owned["_adl_lasti"][0] == "line" and owned["_adl_lasti"][2]  # taken by a block
    assert trace[2] == [("primitive", "Lock", None), ("primitive", "Labelled", "labelled")]
    assert trace[-1] == [] and trace[-2]["_adl_owner"] is None


@needs_fast
def test_contended_lock_parks_and_hands_over_the_same_way() -> None:
    async def scenario(trace: list[Any]) -> None:
        lock = asyncio.Lock()
        order: list[str] = []

        async def worker(name: str) -> None:
            async with lock:
                order.append(name)
                trace.append((name, _seen(lock)))
                await asyncio.sleep(0)

        await asyncio.gather(*(worker(f"w{i}") for i in range(3)))
        trace += [order, _seen(lock)]

    trace = _both(scenario)
    assert trace[-2] == ["w0", "w1", "w2"]
    assert trace[1][1]["_adl_via"] is not None  # w1 took it from the queue: a hand-over


@needs_fast
def test_subclass_setattr_sees_the_same_sets() -> None:
    async def scenario(trace: list[Any]) -> None:
        lock = Watched()
        lock.sets.clear()
        async with lock:
            pass
        trace += [lock.sets, _seen(lock)]

    trace = _both(scenario)
    assert "_locked" in trace[0] and "_adl_code" in trace[0]


@needs_fast
def test_lock_made_before_install_is_adopted_the_same_way() -> None:
    def made() -> list[asyncio.Lock]:
        return [asyncio.Lock(), asyncio.Lock()]

    early = made()  # before detect(): no _adl_* attributes at all

    async def scenario(trace: list[Any]) -> None:
        lock = early.pop()
        assert "_adl_owner" not in vars(lock)
        async with lock:
            trace.append(_seen(lock))
        trace.append(_seen(lock))

    trace = _both(scenario)
    assert trace[0]["_adl_owner"][0] == "record"


@needs_fast
def test_entered_through_async_exit_stack_names_the_users_line() -> None:
    async def scenario(trace: list[Any]) -> None:
        lock, sem = asyncio.Lock(), asyncio.Semaphore()
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(lock)
            await stack.enter_async_context(sem)
            trace += [_seen(lock), _seen(sem)]

    trace = _both(scenario)
    assert trace[0]["_adl_code"][1] == "scenario"


@needs_fast
def test_outside_a_task_nothing_is_owned_either_way() -> None:
    async def scenario(trace: list[Any]) -> None:
        lock, sem = asyncio.Lock(), asyncio.Semaphore(2)
        done = asyncio.get_running_loop().create_future()

        def callback() -> None:  # a loop callback: no current task
            try:
                entered = [lock.__aenter__(), sem.__aenter__()]
                trace.append([type(e).__name__ for e in entered])
                trace.extend([_seen(lock), _seen(sem)])
                for prim in (lock, sem):
                    prim.__aexit__(None, None, None)
                trace.extend([_seen(lock), _seen(sem)])
            except BaseException as exc:
                done.set_exception(exc)
            else:
                done.set_result(None)

        asyncio.get_running_loop().call_soon(callback)
        await done

    trace = _both(scenario)
    assert trace[1]["_adl_owner"] is None and trace[2]["_adl_shared"] is True


@needs_fast
def test_semaphore_permits_holders_and_signals_the_same_way() -> None:
    async def scenario(trace: list[Any]) -> None:
        sem = asyncio.Semaphore(2)
        bounded = asyncio.BoundedSemaphore(1)
        signal = asyncio.Semaphore(0)

        async def job(i: int) -> None:
            async with sem:
                trace.append((i, _seen(sem)))
                await asyncio.sleep(0)

        await asyncio.gather(*(job(i) for i in range(4)))
        async with bounded:
            trace.append(_seen(bounded))
        try:
            await bounded.__aexit__(None, None, None)  # released once too often
        except ValueError as exc:
            trace.append(("ValueError", str(exc)))

        async def waiter() -> None:
            async with signal:
                trace.append(("woken", _seen(signal)))

        task = asyncio.ensure_future(waiter())
        await asyncio.sleep(0)
        signal.release()  # a release by a task that holds no permit: a signal
        await task
        trace += [_seen(sem), _seen(signal)]

    trace = _both(scenario)
    assert trace[0][1]["_value"] == 1 and len(trace[0][1]["_adl_holders"]) == 1
    assert ("ValueError", "BoundedSemaphore released too many times") in trace
    assert trace[-1]["_adl_shared"] is True


@needs_fast
def test_a_release_of_the_instance_s_own_wakes_the_waiters_either_way() -> None:
    async def scenario(trace: list[Any]) -> None:
        sem = asyncio.Semaphore(1)
        real = sem.release
        calls: list[int] = []

        def release() -> None:
            calls.append(sem._value)  # type: ignore[attr-defined]
            real()

        sem.release = release  # type: ignore[method-assign]

        async def job(i: int) -> None:
            async with sem:
                trace.append((i, _seen(sem)))
                await asyncio.sleep(0)

        await asyncio.gather(*(job(i) for i in range(3)))
        trace += [calls, _seen(sem)]

    trace = _both(scenario)
    assert trace[-2] == [0, 0]  # the two exits with a waiter to wake called it
    assert trace[-1]["_value"] == 1 and not trace[-1]["_adl_holders"]


def _count_nested(detector: Any) -> list[Any]:
    """Count the calls of the lock-order recorder (each with the primitive asked for)."""
    calls: list[Any] = []
    recorder = detector.nested

    def counted(st: Any, prim: Any, frame: Any) -> None:
        calls.append(prim)
        recorder(st, prim, frame)

    detector.nested = counted
    return calls


def test_lock_order_inside_a_pool_is_recorded_alike_and_only_where_it_can_be() -> None:
    """A lock taken inside a pool's semaphore (or a pool inside a lock) makes no lock-order
    edge: the C fast paths do not call the recorder for it. Two locks taken in both
    orders inside the pool are still an inversion, in either build."""

    async def main() -> None:
        pool = asyncio.Semaphore(5)
        a, b = asyncio.Lock(), asyncio.Lock()
        async with pool, a:  # nothing ordered is held when `a` is asked for
            pass
        async with a, pool:  # `pool` is left out of the graph
            pass
        async with pool:
            async with a, b:
                pass
            async with b, a:
                pass

    for fast in (True, False) if FAST is not None else (False,):
        with aiodeadlock.detect(on_deadlock="report") as detector, _methods(fast):
            calls = _count_nested(detector)
            asyncio.run(main())
        kinds = [f.kind.code for f in detector.findings]
        assert kinds == ["DL104"], (fast, kinds)
        # The Python twins ask the recorder (which leaves these out) wherever something is
        # held; the C methods only where an edge can come of it: `b` inside `a`, `a` inside
        # `b` (and `a` inside the pool once, to learn that the pool is left out).
        expected = 3 if fast else 6
        assert len(calls) == expected, (fast, len(calls))


@needs_fast
def test_calls_with_keywords_or_other_arities_go_to_the_twin() -> None:
    async def main() -> None:
        lock = asyncio.Lock()
        await lock.__aenter__()
        with pytest.raises(TypeError):
            await lock.__aexit__(None)  # the twin's own error: three arguments missing
        await lock.__aexit__(exc_type=None, exc=None, tb=None)
        assert not lock.locked()
        with pytest.raises(RuntimeError):  # asyncio's error for an unlocked lock
            await lock.__aexit__(None, None, None)

    with aiodeadlock.detect():
        asyncio.run(main())


def test_a_self_deadlock_is_reported_by_either_build(run_bounded: Any) -> None:
    async def main() -> Any:
        lock = asyncio.Lock()
        async with lock:
            with pytest.raises(aiodeadlock.DeadlockError) as info:
                async with lock:
                    pass
        return info.value

    for fast in (True, False) if FAST is not None else (False,):
        with aiodeadlock.detect(), _methods(fast):
            error = run_bounded(main)
        assert [f.kind.code for f in error.findings] == ["DL101"]
