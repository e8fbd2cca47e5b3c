"""uvloop: what the detector can know of a loop whose iteration is C code, and a monitor
thread that looks at its tasks while its thread sits in that C code.

uvloop's loop (`uvloop.Loop`, a Python subclass of a Cython class) has no `_run_once` to
hook and keeps its ready queue, timers and I/O handles out of Python's reach. While the
detector is open, the methods programs (and asyncio's futures and tasks) schedule through
are wrapped, lazily when uvloop is imported:

  call_soon, call_later, call_at   counted (the loop's activity) and kept while pending,
                                   so that waits.Wakers sees them as `_ready`/`_scheduled`
  call_soon_threadsafe             kept while pending (not counted), for the watchdog
  run_forever                      registers the running loop and its thread
  servers, connections, pipes, subprocesses, readers/writers, signal handlers, sockets
                                   mark the loop as doing I/O (for good): a stall is then
                                   never claimed, not even as a potential one

Nothing is ever scheduled on a uvloop loop before a verdict. The monitor thread reads a
loop's tasks only when its thread is inside uvloop's run_forever (no Python frame above
it: polling, or between callbacks) and no callback was scheduled for a grace period; the
detectors decide (detectors/offloop.py).
"""

from __future__ import annotations

import _thread
import atexit
import sys
import time
import weakref
from collections.abc import Callable
from types import ModuleType
from typing import Any

from aiodeadlock.instrument import patching
from aiodeadlock.instrument.loopview import LoopView
from aiodeadlock.instrument.patching import Patcher
from aiodeadlock.instrument.threadrefs import threads_referencing
from aiodeadlock.onimport import ImportWatch, stop_watching, watch_imports

MODULE = "uvloop"
_MAX_DEPTH = 1000

_monotonic = time.monotonic


def _current_task(loop: Any) -> Any:
    import asyncio

    try:
        return asyncio.current_task(loop)
    except RuntimeError:
        return None


class _Shim:
    """A handle as waits.Wakers and loophook.why_not_stalled read one (asyncio's fields)."""

    __slots__ = ("_args", "_callback", "_handle", "at")

    def __init__(
        self, handle: Any, callback: Any, args: tuple[Any, ...], at: float, gone: Any = None
    ) -> None:
        self._handle = weakref.ref(handle, gone)
        self._callback = callback
        self._args = args
        self.at = at

    @property
    def _cancelled(self) -> bool:
        handle = self._handle()
        return handle is None or bool(handle.cancelled())


class LoopRecord:
    """What is known of one uvloop loop."""

    def __init__(self) -> None:
        #: Callbacks scheduled so far (call_soon, call_later, call_at): its activity.
        self.scheduled = 0
        #: call_soon callbacks not run yet: uvloop drops a handle once it has run it (the
        #: program rarely keeps one), which drops the entry.
        self.ready: dict[int, _Shim] = {}
        self.timers: dict[int, _Shim] = {}
        self.io = False
        self.thread: int | None = None
        #: The code of the Python frame uvloop's run_forever runs callbacks on top of: the
        #: patched run_forever's, or (a loop already running when the detector opened) the
        #: frame that started the loop.
        self.base: Any = None

    def pending_timers(self, loop: Any) -> list[_Shim]:
        """Timers not cancelled and not yet due (a due one has run or is about to run)."""
        now = loop.time()
        for key, shim in list(self.timers.items()):
            handle = shim._handle()
            if handle is None or handle.cancelled() or handle.when() < now - 1.0:
                del self.timers[key]
        return [s for s in self.timers.values() if not s._cancelled]


_loops: weakref.WeakKeyDictionary[Any, LoopRecord] = weakref.WeakKeyDictionary()
#: Loops running now, by id (registered by run_forever).
running: dict[int, Any] = {}


def record_of(loop: Any) -> LoopRecord | None:
    return _loops.get(loop)


def _record(loop: Any) -> LoopRecord:
    rec = _loops.get(loop)
    if rec is None:
        rec = _loops[loop] = LoopRecord()
    return rec


def is_uvloop(loop: Any) -> bool:
    mod = sys.modules.get(MODULE)
    cls = getattr(mod, "Loop", None)
    return cls is not None and isinstance(loop, cls)


def loop_thread(loop: Any) -> int | None:
    """The thread that runs `loop` now, or None: asyncio's loops keep it (`_thread_id`);
    a uvloop loop's is recorded by the patched run_forever (or register_running)."""
    tid = getattr(loop, "_thread_id", None)
    registered: Any = running.get(id(loop))
    if tid is not None or registered is None or registered is not loop:
        return tid
    if not registered.is_running():  # registered while running, and stopped since
        return None
    rec = _loops.get(loop)
    return None if rec is None else rec.thread


def base_code(loop: Any) -> Any:
    """The code of the frame a uvloop loop runs its callbacks on top of, or None."""
    rec = _loops.get(loop) if loop is not None else None
    return None if rec is None else rec.base


def register_running(loop: Any) -> None:
    """Watch `loop`, a uvloop loop that was already running when the detector opened
    (called from a task of it): its callbacks run on top of the frame below that task's
    coroutine, the frame that started the loop."""
    import asyncio

    if loop is None or not is_uvloop(loop) or not loop.is_running() or id(loop) in running:
        return
    task = _current_task(loop)
    frame = getattr(task.get_coro(), "cr_frame", None) if task is not None else None
    base = frame.f_back if frame is not None else None
    if base is None or asyncio.get_running_loop() is not loop:
        return  # not asked from a task of it: its thread's frames cannot be told apart
    rec = _record(loop)
    rec.thread, rec.base = _thread.get_ident(), base.f_code
    running[id(loop)] = loop
    _monitor.start()


def progress(loop: Any) -> int:
    """How many callbacks a uvloop loop has had scheduled so far: every task step, and
    every callback the program schedules, goes through call_soon/call_later/call_at."""
    rec = _loops.get(loop)
    return -1 if rec is None else rec.scheduled


def pending_ready(loop: Any) -> bool:
    """Has a uvloop loop callbacks scheduled with call_soon (or from another thread) that
    have not run yet? (A handle the program keeps alive counts until it is cancelled.)"""
    rec = _loops.get(loop)
    return rec is not None and any(not s._cancelled for s in list(rec.ready.values()))


def callback_frame(loop: Any, top: Any) -> Any:
    """The frame of the callback (or task step) a uvloop loop's thread is inside, or None.

    uvloop runs callbacks from C, so a callback's frame sits right above the patched
    run_forever's; with no Python frame above that one, the thread is in the loop's own
    code (polling for I/O, or between callbacks).
    """
    rec = _loops.get(loop)
    code = None if rec is None else rec.base
    child = None
    for _ in range(_MAX_DEPTH):
        if top is None or code is None:
            return None
        if top.f_code is code:
            return child
        child, top = top, top.f_back
    return None


# -- the patches ---------------------------------------------------------------------------

_IO_METHODS = (
    "add_reader",
    "add_writer",
    "add_signal_handler",
    "connect_accepted_socket",
    "connect_read_pipe",
    "connect_write_pipe",
    "create_connection",
    "create_datagram_endpoint",
    "create_server",
    "create_unix_connection",
    "create_unix_server",
    "sock_accept",
    "sock_connect",
    "sock_recv",
    "sock_recv_into",
    "sock_sendall",
    "subprocess_exec",
    "subprocess_shell",
)


def _patches(module: ModuleType) -> list[tuple[Any, str, Any]]:
    cls = module.Loop
    call_soon, call_later, call_at = cls.call_soon, cls.call_later, cls.call_at
    call_soon_threadsafe = cls.call_soon_threadsafe
    run_forever = cls.run_forever

    def loop_call_soon(self: Any, callback: Any, *args: Any, context: Any = None) -> Any:
        handle = call_soon(self, callback, *args, context=context)
        rec = _record(self)
        rec.scheduled += 1
        ready, key = rec.ready, id(handle)
        ready[key] = _Shim(handle, callback, args, 0.0, lambda _: ready.pop(key, None))
        return handle

    def loop_call_soon_threadsafe(self: Any, callback: Any, *args: Any, context: Any = None) -> Any:
        # Kept while pending (the watchdog asks what a loop's thread would run if it could
        # return to its loop), not counted: another thread's call says nothing of the loop.
        handle = call_soon_threadsafe(self, callback, *args, context=context)
        rec = _loops.get(self)  # a loop never run has none (and nobody to look at it)
        if rec is not None:
            ready, key = rec.ready, id(handle)
            ready[key] = _Shim(handle, callback, args, 0.0, lambda _: ready.pop(key, None))
        return handle

    def _timer(self: Any, handle: Any, callback: Any, args: tuple[Any, ...]) -> Any:
        rec = _record(self)
        rec.scheduled += 1
        timers, key = rec.timers, id(handle)
        timers[key] = _Shim(handle, callback, args, 0.0, lambda _: timers.pop(key, None))
        return handle

    def loop_call_later(
        self: Any, delay: float, callback: Any, *args: Any, context: Any = None
    ) -> Any:
        return _timer(
            self, call_later(self, delay, callback, *args, context=context), callback, args
        )

    def loop_call_at(self: Any, when: float, callback: Any, *args: Any, context: Any = None) -> Any:
        return _timer(self, call_at(self, when, callback, *args, context=context), callback, args)

    def loop_run_forever(self: Any) -> Any:
        rec = _record(self)
        rec.thread, rec.base = _thread.get_ident(), RUN_FOREVER_CODE
        running[id(self)] = self
        _monitor.start()
        try:
            return run_forever(self)
        finally:
            running.pop(id(self), None)

    def ready(self: Any) -> list[_Shim]:
        rec = _loops.get(self)
        if rec is None:
            return []
        # The step of the task running now is alive only because it is running.
        running = _current_task(self)
        return [
            s
            for s in list(rec.ready.values())
            if not s._cancelled and getattr(s._callback, "__self__", None) is not running
        ]

    def scheduled(self: Any) -> list[_Shim]:
        rec = _loops.get(self)
        return [] if rec is None else rec.pending_timers(self)

    patches: list[tuple[Any, str, Any]] = [
        (cls, "call_soon", loop_call_soon),
        (cls, "call_soon_threadsafe", loop_call_soon_threadsafe),
        (cls, "call_later", loop_call_later),
        (cls, "call_at", loop_call_at),
        (cls, "run_forever", loop_run_forever),
        (cls, "_ready", property(ready)),
        (cls, "_scheduled", property(scheduled)),
    ]
    for name in _IO_METHODS:
        original = getattr(cls, name, None)
        if original is not None:
            patches.append((cls, name, _marking_io(original)))
    return patches


def _marking_io(original: Any) -> Any:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        _record(self).io = True
        return original(self, *args, **kwargs)

    return method


RUN_FOREVER_CODE: Any = None


def _module_loaded(_name: str, module: ModuleType) -> None:
    if Switch.armed:
        _patch(module)


_finder = ImportWatch((MODULE,), _module_loaded)
_patcher: Patcher | None = None


def _patch(module: ModuleType) -> None:
    global _patcher, RUN_FOREVER_CODE
    if _patcher is not None:
        return
    try:
        patches = _patches(module)
    except Exception:  # a uvloop this module does not know: leave it as it is
        patches = []
    _patcher = Patcher(patches)
    _patcher.apply()
    patched = getattr(getattr(module, "Loop", None), "run_forever", None)
    RUN_FOREVER_CODE = getattr(patched, "__code__", None)


def arm() -> None:
    watch_imports(_finder)
    module = sys.modules.get(MODULE)
    if module is not None:
        _patch(module)


def disarm() -> None:
    global _patcher
    stop_watching(_finder)
    _monitor.stop()
    if _patcher is not None:
        _patcher.restore()
        _patcher = None
    running.clear()
    _loops.clear()


class Switch(patching.Switch):
    """Setting `armed` arms or disarms the uvloop patches (so that a Patcher can do it);
    `decide(detector, facts, quiet_for)` is what the monitor hands loops to."""

    armed = False
    on_arm = staticmethod(arm)
    on_disarm = staticmethod(disarm)
    decide: Callable[[Any, Any, float], None] | None = None


#: Arms the uvloop patches while the detector's patches are applied.
PATCHES: list[tuple[Any, str, Any]] = [(Switch, "armed", True)]


# -- what the detectors read of a uvloop loop ---------------------------------------------


class UvloopView(LoopView):
    """A uvloop loop's facts for the detectors, read from the monitor thread: nothing is
    scheduled on the loop (call_later does nothing), no parked-task record is kept."""

    def parked(self) -> list[Any] | None:
        return None

    def recording_parked(self) -> bool:
        return False

    def record_parked(self, tasks: int) -> None:
        pass

    def task_count(self) -> int:
        return len(self.unfinished())

    def call_later(self, name: str, delay: float, callback: Callable[[Any], None]) -> None:
        pass

    def threads_holding(self, prims: list[Any]) -> bool:
        return bool(threads_referencing(prims))

    def why_not_stalled(self) -> str | None:
        return why_not_stalled(self.loop, self.ignored_handlers)


def why_not_stalled(loop: Any, handlers: Any = ()) -> str | None:
    """What could still wake this uvloop loop's tasks, or None if nothing visible can.

    uvloop's own handles are out of reach: a loop that ever did I/O, or has a timer
    pending, is never counted as stalled; otherwise other threads and signal handlers
    are looked at as for asyncio's loops.
    """
    import threading

    from aiodeadlock.instrument import loophook
    from aiodeadlock.instrument.introspect import idle_pool_worker

    rec = _loops.get(loop)
    if rec is None:
        return "unknown loop"
    if rec.io:
        return "it does I/O"
    if rec.pending_timers(loop):
        return "timers are pending"
    if loophook.python_signal_handlers(handlers):
        return "signal handlers are installed"
    frames = sys._current_frames()
    for thread in threading.enumerate():
        ident = thread.ident
        if ident is None or ident == rec.thread or getattr(thread, "_adl_own", False):
            continue
        if not thread.is_alive():
            continue
        frame = frames.get(ident)
        if idle_pool_worker(frame) or _idle_anyio_worker(frame):
            continue
        return f"thread {thread.name!r} is alive"
    return None


def _idle_anyio_worker(frame: Any) -> bool:
    from aiodeadlock.instrument.anyio_primitives import idle_worker

    return idle_worker(frame)


# -- the monitor thread ---------------------------------------------------------------------


class _Quiet:
    """How long one loop has been quiet: its thread in run_forever, nothing scheduled."""

    __slots__ = ("scheduled", "since")

    def __init__(self, scheduled: int, since: float) -> None:
        self.scheduled = scheduled
        self.since = since


def in_run_forever(loop: Any, frames: dict[int, Any]) -> bool:
    """The loop's thread is inside uvloop's run_forever with no Python frame above it."""
    rec = _loops.get(loop)
    if rec is None or rec.thread is None or rec.base is None:
        return False
    top = frames.get(rec.thread)
    return top is not None and top.f_code is rec.base and loop.is_running()


class Monitor:
    """A bare thread (invisible to the program, like the watchdog's) that hands quiet uvloop
    loops to `look(loop, quiet_for)` on the detector's side."""

    def __init__(self) -> None:
        self.look: Callable[[Any, float], None] | None = _detector_look
        self.interval = 0.1
        self._quiet: dict[int, _Quiet] = {}
        self._stop: Any = None
        self._ended: Any = None  # released by the thread as it ends
        self._ident: int | None = None

    def start(self) -> None:
        if self._ident is not None or self.look is None:
            return
        self._stop = _thread.allocate_lock()
        self._stop.acquire()
        self._ended = _thread.allocate_lock()
        self._ended.acquire()
        self._ident = _thread.start_new_thread(self._main, (self._stop, self._ended))
        atexit.register(self.stop)  # (after threading's shutdown, before finalization)

    def stop(self) -> None:
        atexit.unregister(self.stop)
        stop, self._stop = self._stop, None
        ended, self._ended = self._ended, None
        ident, self._ident = self._ident, None
        self._quiet.clear()
        if stop is not None:
            stop.release()
        if ended is not None and ident != _thread.get_ident():
            ended.acquire(timeout=1.0)  # the thread is out of its last look

    def _main(self, stop: Any, ended: Any) -> None:
        try:
            while not stop.acquire(timeout=self.interval):
                self.tick()
        except Exception as exc:  # never let the monitor break the program
            try:
                sys.stderr.write(f"aiodeadlock: internal error, uvloop monitor stopped: {exc!r}\n")
            except (OSError, ValueError, AttributeError):
                pass
        finally:
            ended.release()

    def tick(self) -> None:
        look = self.look
        if look is None:
            return
        frames = sys._current_frames()
        now = _monotonic()
        seen: dict[int, _Quiet] = {}
        for loop in list(running.values()):
            rec = _loops.get(loop)
            if rec is None or loop.is_closed() or not in_run_forever(loop, frames):
                continue
            quiet = self._quiet.get(id(loop))
            if quiet is None or quiet.scheduled != rec.scheduled:
                quiet = _Quiet(rec.scheduled, now)
            seen[id(loop)] = quiet
            look(loop, now - quiet.since)
        self._quiet = seen


def _detector_look(loop: Any, quiet_for: float) -> None:
    """Hand a loop to the current detector's off-loop decisions (`Switch.decide`, set by
    the detector's patches: instrument/ does not import detectors/)."""
    from aiodeadlock.detector import current

    decide = Switch.decide
    detector = current()
    if decide is not None and detector is not None and detector.active:
        decide(detector, UvloopView(loop, detector.ignored_handlers), quiet_for)


_monitor = Monitor()


def monitor_ident() -> int | None:
    """The monitor thread's ident while it runs (the detector's own: never the program's)."""
    return _monitor._ident


def set_look(look: Callable[[Any, float], None] | None) -> None:
    """Who decides about quiet uvloop loops (the detector), or None."""
    _monitor.look = look
