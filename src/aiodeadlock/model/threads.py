"""Threads and the synchronous calls they are blocked in, as data."""

from __future__ import annotations

from dataclasses import dataclass

from aiodeadlock.model.findings import Resource
from aiodeadlock.model.location import Location


@dataclass(frozen=True)
class Actor:
    """A task (or a thread running no task) as a report names it."""

    key: str
    name: str
    stack: tuple[Location, ...] = ()  # outermost first
    waits_at: Location | None = None  # where it is suspended or blocked
    is_task: bool = True  # False: a thread, or a plain callback of a loop

    def title(self) -> str:
        return f"Task {self.name!r}" if self.is_task else self.name


@dataclass(frozen=True)
class ThreadWait:
    """One thread blocked in a synchronous call, as read from its stack.

    `next_thread` is the thread that must act to end the wait: the one that holds the
    lock or must finish (a join), or the one running the loop whose pending work (a
    callback, a suspended task) would resolve the future. None: nobody can be named.
    """

    thread: int
    waiter: Actor  # the task running on the thread, or the thread itself
    call: str  # "Future.result()", "concurrent.futures.wait()", "Lock.acquire()"...
    resource: Resource
    at: Location | None  # the blocking line: the innermost user frame
    timeout: float | None  # None: it waits forever
    next_thread: int | None
    holder: Actor | None = None  # the task or thread that holds / would resolve it
    since: Location | None = None  # where the holder took the lock
    why: str = ""  # who ends the wait, in words


@dataclass(frozen=True)
class LateWait:
    """A task that has waited on one resource for `waited` seconds (the first such waiter
    of that resource; `others` more have waited as long)."""

    task: Actor
    resource: Resource
    waited: float
    holders: tuple[Actor, ...] = ()
    others: int = 0


@dataclass(frozen=True)
class BusyPoll:
    """A loop's thread running one callback that polls, without yielding, something only
    that loop can deliver (a future of that loop, an Event a task of it would set)."""

    thread: int
    waiter: Actor  # the task (or callback) running on the loop's thread
    at: Location | None  # the polling line
    polled: Resource  # what it polls
    call: str  # "done()", "is_set()", ...


@dataclass(frozen=True)
class Stuck:
    """A thread that cannot go on by itself, and which threads could let it go on.

    Either blocked in a synchronous call (`wait`), or running an event loop that sleeps
    in its selector with nothing of its own to wake it (`wait` None, `tasks` its waiting
    tasks). `needs`: the threads one of which must act first (the holder of a lock, the
    thread that must end, the loop that would resolve a future, the workers of a pool);
    `anyone`: any other live thread of the program could end it (a call_soon_threadsafe,
    an Event set): it is stuck only if they all are.
    """

    thread: int
    name: str  # the thread's name
    wait: ThreadWait | None
    needs: frozenset[int] = frozenset()
    anyone: bool = False
    tasks: tuple[Actor, ...] = ()  # an asleep loop's waiting tasks
    loop: bool = False  # the thread runs an event loop
    #: More edges to show: (waiter, what it waits for, holders, why) for a task of an
    #: asleep loop waiting on a job of a thread pool.
    jobs: tuple[JobWait, ...] = ()
    #: The lock waited for was taken by a pool thread for a task cancelled meanwhile:
    #: (the cancelled task, where it awaited that job, the thread that took it).
    orphaned_for: tuple[str, Location | None, str] | None = None
    #: A wait on several futures (concurrent.futures.wait(), as_completed()): one node per
    #: future not done, as if the thread waited on that one alone. The wait ends when any
    #: one is done (`needs`, `anyone`, `jobs` are then those of them all: stuck only if
    #: every one is), or, `all_of`, when all are (stuck if any one is: see knot()).
    futures: tuple[Stuck, ...] = ()
    all_of: bool = False


@dataclass(frozen=True)
class JobWait:
    """A task or thread waiting for a job of a thread pool: queued (`running` None, its
    workers all busy) or running on thread `running`."""

    waiter: Actor
    resource: Resource
    at: Location | None
    workers: tuple[int, ...]
    running: int | None
    why: str
