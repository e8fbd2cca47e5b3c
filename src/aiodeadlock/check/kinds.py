"""Known constructors of synchronization objects and the kind classes rules ask about."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# Kinds are strings such as "asyncio.Lock" or "asyncio.Semaphore(1)" (a one-permit semaphore).
_ASYNCIO = ("Lock", "Semaphore", "BoundedSemaphore", "Condition", "Event", "Barrier")
_THREADING = ("Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition", "Event", "Barrier")

CONSTRUCTORS: dict[str, str] = {}
for _name in _ASYNCIO:
    CONSTRUCTORS[f"asyncio.{_name}"] = f"asyncio.{_name}"
    CONSTRUCTORS[f"asyncio.locks.{_name}"] = f"asyncio.{_name}"
for _name in ("Queue", "LifoQueue", "PriorityQueue"):
    CONSTRUCTORS[f"asyncio.{_name}"] = "asyncio.Queue"
    CONSTRUCTORS[f"asyncio.queues.{_name}"] = "asyncio.Queue"
CONSTRUCTORS["asyncio.mixins.Barrier"] = "asyncio.Barrier"
for _name in _THREADING:
    CONSTRUCTORS[f"threading.{_name}"] = f"threading.{_name}"
CONSTRUCTORS["threading.Thread"] = "threading.Thread"
CONSTRUCTORS["threading._allocate_lock"] = "threading.Lock"
CONSTRUCTORS["_thread.allocate_lock"] = "threading.Lock"
CONSTRUCTORS["_thread.RLock"] = "threading.RLock"
for _name in ("Queue", "LifoQueue", "PriorityQueue", "SimpleQueue"):
    CONSTRUCTORS[f"queue.{_name}"] = "queue.Queue"
for _name in ("Lock", "Semaphore", "Condition", "Event"):
    CONSTRUCTORS[f"anyio.{_name}"] = f"anyio.{_name}"
for _name in ("ThreadPoolExecutor", "ProcessPoolExecutor"):
    CONSTRUCTORS[f"concurrent.futures.{_name}"] = "concurrent.futures.Executor"
    CONSTRUCTORS[f"concurrent.futures.thread.{_name}"] = "concurrent.futures.Executor"
    CONSTRUCTORS[f"concurrent.futures.process.{_name}"] = "concurrent.futures.Executor"

# Annotations that give a parameter or attribute its kind.
ANNOTATIONS: dict[str, str] = {k: v for k, v in CONSTRUCTORS.items() if "allocate" not in k}

SEMAPHORES = frozenset(
    {
        "asyncio.Semaphore",
        "asyncio.BoundedSemaphore",
        "threading.Semaphore",
        "threading.BoundedSemaphore",
        "anyio.Semaphore",
    }
)

ALL_KINDS: frozenset[str] = frozenset(CONSTRUCTORS.values()) | {f"{s}(1)" for s in SEMAPHORES}

_ASYNC_MUTEX = {
    "asyncio.Lock",
    "asyncio.Condition",
    "asyncio.Semaphore(1)",
    "asyncio.BoundedSemaphore(1)",
    "anyio.Lock",
    "anyio.Condition",
    "anyio.Semaphore(1)",
}
_THREAD_MUTEX = {"threading.Lock", "threading.Semaphore(1)", "threading.BoundedSemaphore(1)"}
_THREAD_LOCKS = _THREAD_MUTEX | {
    "threading.RLock",
    "threading.Condition",
    "threading.Semaphore",
    "threading.BoundedSemaphore",
}
_ASYNC_LOCKS = _ASYNC_MUTEX | {"asyncio.Semaphore", "asyncio.BoundedSemaphore", "anyio.Semaphore"}

# Kind classes: the sets of kinds a rule's candidate may require.
CLASSES: dict[str, frozenset[str]] = {
    # non-reentrant, exclusive: taking it twice in one task or thread hangs
    "mutex": frozenset(_ASYNC_MUTEX | _THREAD_MUTEX),
    "async_mutex": frozenset(_ASYNC_MUTEX),
    # anything with acquire()/release()
    "lock": frozenset(_ASYNC_LOCKS | _THREAD_LOCKS),
    # locks whose order matters
    "ordered": frozenset(_ASYNC_MUTEX | _THREAD_MUTEX | {"threading.RLock", "threading.Condition"}),
    "thread_lock": frozenset(_THREAD_LOCKS),
    "async_condition": frozenset({"asyncio.Condition", "anyio.Condition"}),
    "async_acquire": frozenset(_ASYNC_LOCKS),
    "async_wait": frozenset(
        {"asyncio.Event", "asyncio.Condition", "asyncio.Barrier", "anyio.Event", "anyio.Condition"}
    ),
    "async_queue": frozenset({"asyncio.Queue"}),
    "waitable": frozenset(
        {"asyncio.Event", "asyncio.Condition", "asyncio.Queue", "anyio.Event", "anyio.Condition"}
    ),
    "thread_wait": frozenset({"threading.Event", "threading.Condition", "threading.Barrier"}),
    "thread_queue": frozenset({"queue.Queue"}),
    "thread_join": frozenset({"threading.Thread", "queue.Queue"}),
    "async_blocking": frozenset(
        _ASYNC_LOCKS | {"asyncio.Event", "asyncio.Queue", "asyncio.Barrier", "anyio.Event"}
    ),
    "executor": frozenset({"concurrent.futures.Executor"}),
    "any": ALL_KINDS,
}


def semaphore_kind(base: str, permits: int | None) -> str:
    """Return the kind of a semaphore created with `permits` (None if unknown)."""
    return f"{base}(1)" if permits == 1 else base


def matches(kinds: Iterable[str], cls: str) -> str | None:
    """Return the first of `kinds` in kind class `cls`, or None."""
    wanted = CLASSES.get(cls, frozenset())
    for kind in sorted(kinds):
        if kind in wanted:
            return kind
    return None


# Not locks: let rules recognise the running task and the running loop when passed around.
CURRENT_TASK = "asyncio.current_task()"
RUNNING_LOOP = "asyncio.get_running_loop()"
NEW_LOOP = "asyncio.new_event_loop()"
_NOT_LOCKS = {
    "asyncio.current_task": CURRENT_TASK,
    "asyncio.tasks.current_task": CURRENT_TASK,
    "asyncio.get_running_loop": RUNNING_LOOP,
    "asyncio.get_event_loop": RUNNING_LOOP,
    "asyncio.events.get_running_loop": RUNNING_LOOP,
    "asyncio.events.get_event_loop": RUNNING_LOOP,
    "asyncio.new_event_loop": NEW_LOOP,
    "asyncio.events.new_event_loop": NEW_LOOP,
}


def with_extra(extra: Mapping[str, str]) -> dict[str, str]:
    """Return the constructor table extended with configured `extra` types."""
    table = dict(CONSTRUCTORS)
    table.update(_NOT_LOCKS)
    table.update(extra)
    return table
