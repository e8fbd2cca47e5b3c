"""The watchdog's sampling and decisions in-process, with an injected clock."""

from __future__ import annotations

import _thread
import asyncio
import concurrent.futures
import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import Any

import pytest

from aiodeadlock.config import Config
from aiodeadlock.detector import Detector
from aiodeadlock.instrument import threadlocks, watchdog
from aiodeadlock.instrument.watchdog import Watchdog, callback_frame
from aiodeadlock.model.findings import LONG_WAIT, LOOP_BLOCKED, Finding


class Findings(Sequence[Finding]):
    """The definite (or the potential) findings a detector has made so far, read live."""

    def __init__(self, detector: Detector, definite: bool) -> None:
        self.detector = detector
        self.definite = definite

    def _items(self) -> list[Finding]:
        return [f for f in self.detector.findings if f.definite is self.definite]

    def __getitem__(self, index: Any) -> Any:
        return self._items()[index]

    def __len__(self) -> int:
        return len(self._items())

    def __eq__(self, other: object) -> bool:
        return self._items() == list(other) if isinstance(other, (list, tuple)) else False

    __hash__ = None  # type: ignore[assignment]


def sink(watch: float | None = None, long_wait: float | None = None) -> Detector:
    """A detector that decides on what the watchdog samples and keeps it (writes nothing,
    never exits): the watchdog's sink, without the patches of an installed detector."""
    config = Config(on_deadlock="report", output=None, watchdog=watch, long_wait=long_wait)
    detector = Detector(config)
    detector.active = True
    return detector


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class LoopThread:
    """A loop running `body` in a thread of its own, registered with the watchdog."""

    def __init__(self, body: Callable[[dict[str, Any]], Coroutine[Any, Any, Any]]) -> None:
        self.box: dict[str, Any] = {"ready": threading.Event()}
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, args=(body,), daemon=True)

    def _run(self, body: Any) -> None:
        try:
            self.loop.run_until_complete(body(self.box))
        finally:
            self.loop.close()

    def __enter__(self) -> LoopThread:
        watchdog._running[id(self.loop)] = self.loop
        self.thread.start()
        assert self.box["ready"].wait(5)
        self._settle()
        return self

    def _settle(self) -> None:
        """Wait until the loop thread sits in a blocking call or idles in its selector
        (at most 0.3 s: bodies that block in C code, like time.sleep, show no frame)."""
        blocking = {"wait", "result", "acquire", "join", "get", "put", "select"}
        blocking.add("_wait_for_tstate_lock")
        deadline = time.monotonic() + 0.3
        while time.monotonic() < deadline:
            frame = sys._current_frames().get(self.thread.ident or 0)
            if frame is not None and frame.f_code.co_name in blocking:
                time.sleep(0.02)  # and has settled into it
                return
            time.sleep(0.005)

    def __exit__(self, *exc: object) -> None:
        self.thread.join(5)
        watchdog._running.pop(id(self.loop), None)
        assert not self.thread.is_alive(), "the loop thread did not end"


@pytest.fixture
def dog() -> Iterator[tuple[Watchdog, Clock, Findings, Findings]]:
    clock = Clock()
    detector = sink(watch=1.0)
    found, notes = Findings(detector, True), Findings(detector, False)
    yield Watchdog(1.0, None, detector, clock=clock), clock, found, notes


def ticks(dog: Watchdog, clock: Clock, *times: float) -> None:
    for t in times:
        clock.now = 100.0 + t
        dog.tick(sys._current_frames)


def test_run_coroutine_threadsafe_result_on_its_own_loop(dog: Any) -> None:
    wd, clock, found, _ = dog

    async def body(box: dict[str, Any]) -> None:
        loop = asyncio.get_running_loop()
        box["fut"] = fut = asyncio.run_coroutine_threadsafe(asyncio.sleep(0), loop)
        box["ready"].set()
        try:
            fut.result()  # blocks this loop's thread
        except concurrent.futures.CancelledError:
            box["freed"] = True
        await asyncio.sleep(0.01)  # let the scheduled coroutine start (and be cancelled)

    with LoopThread(body) as lt:
        ticks(wd, clock, 0.0, 0.1, 0.6)
        assert found == []  # blocked for 0.5 s of the injected clock: not yet
        ticks(wd, clock, 1.2)
        lt.box["fut"].cancel()  # let the thread go
    (finding,) = found
    assert finding.kind is LOOP_BLOCKED and finding.definite
    assert finding.location is not None and finding.location.file == __file__
    assert "Future.result()" in finding.message and "sleep()" in finding.message
    assert lt.box.get("freed")


def test_threading_lock_held_across_await(dog: Any) -> None:
    wd, clock, found, _ = dog
    lock = threadlocks.TrackedLock()

    async def hold() -> None:
        lock.acquire()  # taken here, and never given back by this task
        await asyncio.sleep(30)

    async def body(box: dict[str, Any]) -> None:
        box["holder"] = asyncio.create_task(hold(), name="holder")
        await asyncio.sleep(0.01)
        box["ready"].set()
        with lock:  # blocks the loop's thread: the holder can never resume
            pass
        box["holder"].cancel()

    with LoopThread(body):
        ticks(wd, clock, 0.0, 0.1, 1.5)
        lock.release()  # from this thread: the loop goes on
    (finding,) = found
    (edge,) = finding.edges
    holder = finding.task(edge.holder)
    assert holder is not None and holder.name == "holder"
    assert edge.since is not None and edge.since.line == hold.__code__.co_firstlineno + 1
    assert "threading.Lock 'lock'" in finding.message


@pytest.mark.skipif(
    "PYTEST_XDIST_WORKER" in os.environ,
    reason="an xdist worker runs threads of its own, and with another thread busy the "
    "watchdog (rightly) withholds a verdict that rests on weak evidence",
)
def test_threading_event_only_a_loop_callback_sets(dog: Any) -> None:
    wd, clock, found, _ = dog

    async def body(box: dict[str, Any]) -> None:
        box["done"] = done = threading.Event()
        asyncio.get_running_loop().call_soon(done.set)
        box["ready"].set()
        done.wait()  # the callback that would set it can never run

    with LoopThread(body) as lt:
        ticks(wd, clock, 0.0, 1.1)
        lt.box["done"].set()
    (finding,) = found
    assert "Event.wait()" in finding.message and "a callback" in finding.message


def test_timed_wait_on_its_own_loop_is_a_potential_finding(dog: Any) -> None:
    wd, clock, found, notes = dog

    async def body(box: dict[str, Any]) -> None:
        loop = asyncio.get_running_loop()
        fut = asyncio.run_coroutine_threadsafe(asyncio.sleep(0), loop)
        box["ready"].set()
        with contextlib.suppress(concurrent.futures.TimeoutError):
            fut.result(timeout=0.5)
        await asyncio.sleep(0.01)

    with LoopThread(body):
        ticks(wd, clock, 0.0, 1.1)
    assert found == []
    (note,) = notes
    assert note.kind is LOOP_BLOCKED and not note.definite


def test_busy_loop_is_not_reported(dog: Any) -> None:
    wd, clock, found, _ = dog

    async def body(box: dict[str, Any]) -> None:
        box["ready"].set()
        time.sleep(1.0)  # blocks the loop, and returns

    with LoopThread(body):
        ticks(wd, clock, 0.0, 0.1, 0.5, 5.0)
        assert len(wd._watches) == 1  # it did notice the loop stuck in one callback
    assert found == []


def test_wait_for_a_thread_that_will_deliver_is_not_reported(dog: Any) -> None:
    wd, clock, found, _ = dog

    async def body(box: dict[str, Any]) -> None:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            fut = pool.submit(time.sleep, 1.0)
            box["ready"].set()
            fut.result()

    with LoopThread(body):
        ticks(wd, clock, 0.0, 0.1, 5.0)
    assert found == []


def test_callback_frame_is_none_for_an_idle_loop() -> None:
    async def body(box: dict[str, Any]) -> None:
        box["ready"].set()
        await asyncio.sleep(0.5)

    with LoopThread(body) as lt:
        top = sys._current_frames()[lt.thread.ident or 0]
        assert callback_frame(top) is None


def test_long_wait_is_noted_once(run_bounded: Any) -> None:
    clock = Clock()
    detector = sink(long_wait=2.0)
    notes = Findings(detector, False)
    wd = Watchdog(None, 2.0, detector, clock=clock)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        ready = asyncio.Event()
        waiter = asyncio.create_task(ready.wait(), name="consumer")
        await asyncio.sleep(0)
        for t in (0.0, 1.0, 2.5, 3.0):
            clock.now = 100.0 + t
            wd.scan_waits(loop)
        ready.set()
        await waiter

    run_bounded(main)
    (note,) = notes
    assert note.kind is LONG_WAIT and not note.definite
    assert "Task 'consumer' has waited" in note.message and "for 2.5s" in note.message
    assert note.resources[0].type == "Event"


def test_many_long_waits_on_one_primitive_are_one_note(run_bounded: Any) -> None:
    clock = Clock()
    detector = sink(long_wait=1.0)
    notes = Findings(detector, False)
    wd = Watchdog(None, 1.0, detector, clock=clock)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        ready, other = asyncio.Event(), asyncio.Event()
        waiters = [asyncio.create_task(ready.wait(), name=f"w{i}") for i in range(50)]
        waiters.append(asyncio.create_task(other.wait(), name="alone"))
        await asyncio.sleep(0)
        for t in (0.0, 2.0, 4.0):
            clock.now = 100.0 + t
            wd.scan_waits(loop)
        ready.set()
        other.set()
        await asyncio.gather(*waiters)

    run_bounded(main)
    assert len(notes) == 2
    assert sum("(49 more tasks waited as long on it)" in n.message for n in notes) == 1
    assert any("Task 'alone' has waited" in n.message for n in notes)


def test_long_wait_ignores_sleeping_tasks(run_bounded: Any) -> None:
    clock = Clock()
    detector = sink(long_wait=1.0)
    notes = Findings(detector, False)
    wd = Watchdog(None, 1.0, detector, clock=clock)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        sleeper = asyncio.create_task(asyncio.sleep(30))
        await asyncio.sleep(0)
        for t in (0.0, 5.0):
            clock.now = 100.0 + t
            wd.scan_waits(loop)
        sleeper.cancel()

    run_bounded(main)
    assert notes == []


def test_start_and_stop_restore_threading_exactly() -> None:
    lock_before, rlock_before = threading.Lock, threading.RLock
    run_forever_before = asyncio.BaseEventLoop.__dict__["run_forever"]
    count = threading.active_count()
    detector = Detector(Config(on_deadlock="report", output=None, watchdog=1.0))
    detector.open()
    try:
        assert threading.Lock is threadlocks.TrackedLock
        assert detector.watchdog is not None
        ident = detector.watchdog.ident
        deadline = time.monotonic() + 5
        while ident not in sys._current_frames() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert ident in sys._current_frames()
        assert threading.active_count() == count  # the program does not see the thread
    finally:
        detector.close()
    assert threading.Lock is lock_before and threading.RLock is rlock_before
    assert asyncio.BaseEventLoop.__dict__["run_forever"] is run_forever_before
    assert ident not in sys._current_frames()


def test_the_thread_tells_stop_it_ended_after_stop_cleared_its_state() -> None:
    # stop() forgets the end-of-thread lock before it waits on it: the thread must release
    # the lock it was started with (reading the attribute found None, and every stop, at
    # each program's exit, waited out its one-second timeout).
    wd = Watchdog(None, None, sink())
    ended = _thread.allocate_lock()
    ended.acquire()
    wd._stop.set()
    wd._main(ended)
    assert not ended.locked()
